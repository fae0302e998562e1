"""Feature hashing of the fast tier, bit for bit as promptguard-core/src/ml/fast.rs computes it.

A text is lower-cased (str.lower / char::to_lowercase) and its whitespace runs (the characters
of Unicode White_Space, WHITESPACE below) become one space, trimmed at both ends. Its grams:

* character 3-, 4- and 5-grams of " " + text + " " (by Unicode scalar values), kind byte b"c";
* words: whitespace-separated tokens with ASCII punctuation stripped from both ends (empty ones
  dropped), as unigrams (kind b"w") and bigrams joined by one space (kind b"b").

Each gram hashes to CRC-32 (zlib) of kind + UTF-8 bytes, modulo BUCKETS; the feature vector is
binary over the distinct buckets, scaled by 1/sqrt(count). Texts are cut to MAX_CHARS characters
(the Rust side scores longer texts in chunks of that size).
"""
import zlib

import numpy as np

BUCKETS = 1 << 18
MAX_CHARS = 2048
WHITESPACE = frozenset(
    [chr(c) for c in range(0x09, 0x0E)] + [" ", "\x85", "\xa0", "\u1680"]
    + [chr(c) for c in range(0x2000, 0x200B)] + ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
)
PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def normalise(text: str) -> str:
    out, space = [], False
    for ch in text.lower():
        if ch in WHITESPACE:
            space = True
            continue
        if space and out:
            out.append(" ")
        space = False
        out.append(ch)
    return "".join(out)


def buckets(text: str) -> np.ndarray:
    s = normalise(text[:MAX_CHARS])
    idx = set()
    padded = " " + s + " "
    for n in (3, 4, 5):
        for i in range(len(padded) - n + 1):
            idx.add(zlib.crc32(b"c" + padded[i:i + n].encode("utf-8")) % BUCKETS)
    words = [w.strip(PUNCT) for w in s.split(" ")]
    words = [w for w in words if w]
    for w in words:
        idx.add(zlib.crc32(b"w" + w.encode("utf-8")) % BUCKETS)
    for a, b in zip(words, words[1:]):
        idx.add(zlib.crc32(b"b" + (a + " " + b).encode("utf-8")) % BUCKETS)
    return np.array(sorted(idx), dtype=np.int64)


def matrix(texts):
    """CSR matrix [len(texts), BUCKETS] of the fast-tier features."""
    from scipy.sparse import csr_matrix
    indptr, indices, values = [0], [], []
    for t in texts:
        b = buckets(t)
        indices.append(b)
        values.append(np.full(len(b), 1.0 / np.sqrt(max(len(b), 1)), np.float32))
        indptr.append(indptr[-1] + len(b))
    return csr_matrix((np.concatenate(values), np.concatenate(indices), np.array(indptr)), shape=(len(texts), BUCKETS))
