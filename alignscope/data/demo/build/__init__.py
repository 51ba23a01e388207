"""How the frozen demo corpus was made: hand-translated templates and slot fillers (`harmful`,
`harmless`, `common`) and the builder (`corpus`: `python -m alignscope.data.demo.build.corpus`
rewrites `demo_corpus.jsonl`). Nothing here runs when the corpus is read."""
