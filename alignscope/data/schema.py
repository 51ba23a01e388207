"""The columns of a canonical corpus frame, the one shape every loader produces.

Required: `text` (str), `label` (int, 1 harmful or toxic, 0 harmless), `lang` (str).
Optional, present only where the source has them: `pair_id` (str, a toxic sentence and its
neutral paraphrase), `parallel_id` (str, a sentence and its translations), `harm_categories`
(tuple of str), `global_or_local` (str or None).
While loading only, `split` holds the source split a row came from, for `split=` selection.
"""

TEXT = "text"
LABEL = "label"
LANG = "lang"
PAIR_ID = "pair_id"
PARALLEL_ID = "parallel_id"
HARM_CATEGORIES = "harm_categories"
GLOBAL_OR_LOCAL = "global_or_local"
SPLIT = "split"
