"""Site search for the Korean edition: Korean words are found without their particles.

Sphinx 7.4 has no search language for Korean; with ``language = "ko"`` it falls back to English,
whose splitter keeps a Korean word together with the particle written onto it (역전파를, 합성곱은),
so a search for 역전파 would only find the pages where it stands bare. This search language
splits like English and stems English words with English's Porter stemmer (the Korean pages keep
English terms in parentheses and code names), and strips one trailing particle (조사) or copula
ending from a Hangul word, the same way in Python (the index) and in JavaScript (the query).
Words that contain the query inside them (오차역전파 for 역전파) are found by Sphinx's own
partial matching of terms longer than two characters.
"""

from __future__ import annotations

import re

from sphinx.search.en import SearchEnglish

#: endings removed from a Hangul word, longest first; a stem keeps at least two syllables
PARTICLES = (
    "입니다", "에서는", "으로는", "에서도", "이라는", "에서", "으로", "에게", "까지", "부터",
    "처럼", "보다", "이다", "이며", "이고", "이나", "라는", "와", "과", "은", "는", "이", "가",
    "을", "를", "의", "에", "로", "도", "만",
)  # fmt: skip
HANGUL = re.compile("[\uac00-\ud7a3]")


def strip_particle(word: str) -> str:
    """역전파를 -> 역전파; a word of two syllables or fewer is kept whole."""
    for ending in PARTICLES:
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            return word[: -len(ending)]
    return word


KOREAN_STEMMER_JS = """
var EnglishStemmer = Stemmer;
var KOREAN_PARTICLES = %s;
Stemmer = function() {
  var english = new EnglishStemmer();
  this.stemWord = function(w) {
    if (!/[\\uac00-\\ud7a3]/.test(w)) return english.stemWord(w);
    for (var i = 0; i < KOREAN_PARTICLES.length; i++) {
      var ending = KOREAN_PARTICLES[i];
      if (w.endsWith(ending) && w.length - ending.length >= 2)
        return w.slice(0, w.length - ending.length);
    }
    return w;
  };
};
"""


class SearchKorean(SearchEnglish):
    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = SearchEnglish.js_stemmer_code + KOREAN_STEMMER_JS % (
        "[" + ", ".join(f'"{p}"' for p in PARTICLES) + "]"
    )

    def stem(self, word: str) -> str:
        if HANGUL.search(word):
            return strip_particle(word)
        return super().stem(word)


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
