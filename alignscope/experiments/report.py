"""report.md and a self-contained report.html (figures embedded as base64 PNG) from one `Report`."""

from __future__ import annotations

import base64
import dataclasses
import html
import pathlib
from typing import Sequence

from alignscope.experiments.outputs import write_text


@dataclasses.dataclass
class Table:
    caption: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclasses.dataclass
class Report:
    """A report: title, paragraphs of findings, figures (PNG paths), tables, settings and notes."""

    title: str
    findings: list[str] = dataclasses.field(default_factory=list)
    figures: list[tuple[str, pathlib.Path]] = dataclasses.field(default_factory=list)
    tables: list[Table] = dataclasses.field(default_factory=list)
    settings: dict[str, str] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)

    def write(self, directory: pathlib.Path) -> list[pathlib.Path]:
        """Writes report.md (figures by relative path) and report.html (figures embedded)."""
        return [write_text(directory / "report.md", self.markdown(directory)),
                write_text(directory / "report.html", self.html())]

    def markdown(self, directory: pathlib.Path) -> str:
        lines = [f"# {self.title}", ""]
        lines += [paragraph + "\n" for paragraph in self.findings]
        for caption, path in self.figures:
            lines += [f"![{caption}]({path.relative_to(directory).as_posix()})", "", f"*{caption}*", ""]
        for table in self.tables:
            lines += [f"**{table.caption}**", "", "| " + " | ".join(table.header) + " |",
                      "|" + "---|" * len(table.header)]
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table.rows]
            lines.append("")
        if self.notes:
            lines += ["## Notes", ""] + [f"- {note}" for note in self.notes] + [""]
        lines += ["## Settings", ""] + [f"- **{key}**: {value}" for key, value in self.settings.items()] + [""]
        return "\n".join(lines)

    def html(self) -> str:
        e = html.escape
        parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(self.title)}</title>",
                 f"<style>{_STYLE}</style></head><body><main>", f"<h1>{e(self.title)}</h1>"]
        parts += [f"<p>{e(paragraph)}</p>" for paragraph in self.findings]
        for caption, path in self.figures:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            parts.append(f"<figure><img alt='{e(caption)}' src='data:image/png;base64,{data}'>"
                         f"<figcaption>{e(caption)}</figcaption></figure>")
        for table in self.tables:
            parts.append(f"<table><caption>{e(table.caption)}</caption><thead><tr>"
                         + "".join(f"<th>{e(cell)}</th>" for cell in table.header) + "</tr></thead><tbody>")
            parts += ["<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in table.rows]
            parts.append("</tbody></table>")
        if self.notes:
            parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(note)}</li>" for note in self.notes) + "</ul>")
        parts.append("<h2>Settings</h2><dl>" + "".join(
            f"<dt>{e(key)}</dt><dd>{e(value)}</dd>" for key, value in self.settings.items()) + "</dl>")
        parts.append("</main></body></html>\n")
        return "\n".join(parts)


_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#fafafa;color:#222}
main{max-width:1100px;margin:auto;padding:24px 32px;background:#fff}
h1{font-size:1.5em;border-bottom:2px solid #ddd;padding-bottom:.3em}
figure{margin:1.5em 0;text-align:center}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#555;margin-top:.4em}
table{border-collapse:collapse;margin:1.5em 0;font-size:.85em;width:100%}
caption{text-align:left;font-weight:600;margin-bottom:.4em}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}th{background:#f0f0f0}
td:first-child,th:first-child,td:nth-child(2){text-align:left}
dl{display:grid;grid-template-columns:12em 1fr;gap:3px 1em;align-items:baseline}dt{font-weight:600}dd{margin:0;font-family:monospace;overflow-wrap:anywhere}
"""
