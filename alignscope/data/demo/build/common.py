"""Text pieces the harmful and the harmless prompts share, in the demo corpus's four languages.

Every multilingual string is an `ML` tuple in the order of `loaders.DEMO_LANGS`: English, simplified Chinese,
Hindi (Devanagari), German. The translations are written by hand, not machine output.
"""

ML = tuple[str, str, str, str]

# How two sentences are joined in each language (Chinese runs sentences together).
SENTENCE_JOIN: ML = (" ", "", " ", " ")

# Optional first sentences, used by both classes so that they carry no label signal.
GENERIC_CONTEXTS: tuple[ML, ...] = (
    ("I'm a complete beginner.", "我完全是个新手。", "मैं बिल्कुल नौसिखिया हूँ।", "Ich bin absoluter Anfänger."),
    (
        "Sorry if this is a silly question.",
        "如果这个问题很傻，请见谅。",
        "अगर सवाल बेवकूफ़ी भरा लगे तो माफ़ कीजिए।",
        "Entschuldige, falls das eine dumme Frage ist.",
    ),
    (
        "I've been trying to figure this out all afternoon.",
        "我整个下午都在琢磨这个。",
        "पूरी दोपहर से इसे समझने की कोशिश चल रही है।",
        "Ich versuche schon den ganzen Nachmittag, das herauszufinden.",
    ),
    (
        "This is for a school project.",
        "这是为了一个学校作业。",
        "यह स्कूल के एक प्रोजेक्ट के लिए है।",
        "Das ist für ein Schulprojekt.",
    ),
)

# Optional last sentences, used by both classes.
SUFFIXES: tuple[ML, ...] = (
    ("Be specific.", "请说具体点。", "साफ़-साफ़ बताइए।", "Sei konkret."),
    ("Answer quickly, please.", "请快点回答。", "जल्दी जवाब दीजिए।", "Antworte bitte schnell."),
    ("Keep it short.", "简短一点。", "छोटा जवाब दीजिए।", "Halte dich kurz."),
    ("Thanks in advance!", "先谢谢了！", "पहले से धन्यवाद!", "Danke im Voraus!"),
)
