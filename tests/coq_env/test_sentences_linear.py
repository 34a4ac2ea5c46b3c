"""The sentence splitter is linear in its input and splits exactly as the original did (with "..." a sentence end)."""

import random
import re
import time

import pytest

from coq_env.sentences import SentenceError, strip_comments, split_sentences, tactic_sentences

#: Inputs and the sentences the original character-at-a-time splitter gave for them.
PINNED = [
    ("(* c *) . x.", ["x."]),
    ("a.. b. c", ["a.. b.", "c"]),
    ("*) x.", ["*", ") x."]),
    ('idtac "a"". b". lra.', ['idtac "a"". b".', "lra."]),
    ("- (* c *) + x. ** y.", ["-", "+", "x.", "**", "y."]),
    ("x.\u00a0y.\u2028z.", ["x.", "y.", "z."]),
    ("(* a (* b *) c *)", []),
    ("{| x := 1 |}.", ["{", "| x := 1 |}."]),
    ("--- lra. +-* nia.", ["---", "lra.", "+", "-", "*", "nia."]),
    ("x. ... y.", ["x.", "...", "y."]),  # "..." ends a sentence (``Proof with``'s terminator)
    ("x .... y.", ["x .... y."]),
    (".x. .", [".x."]),
    ("(*)*) done.", ["(*)*) done."]),
    ('idtac "(*". lra', ['idtac "(*".', "lra"]),
    ("exact Nat.add_0_r.\n\n(* end *)", ["exact Nat.add_0_r."]),
    ("x .(* c *). y", ["x .(* c *).", "y"]),
    ("lra. (* . *) .", ["lra."]),
    ("x.(* c *) y.", ["x.(* c *) y."]),
    ('x. (* "*) y. *', ["x.", '(* "*) y.', "*"]),
]


@pytest.mark.parametrize(("text", "sentences"), PINNED)
def test_edge_cases_split_as_before(text, sentences):
    assert split_sentences(text) == sentences


@pytest.mark.parametrize(("text", "reason"), [('idtac "abc', "unclosed string"), ("(* (* *)", "unclosed comment")])
def test_unclosed_comments_and_strings_are_errors(text, reason):
    with pytest.raises(SentenceError, match=reason):
        split_sentences(text)


def _reference_split(text: str) -> list[str]:
    """The original splitter, one character at a time (quadratic): the oracle for small inputs."""
    bullet_re = re.compile(r"(-+|\++|\*+|\{|\})")
    sentences, start, i, n, depth, in_string = [], 0, 0, len(text), 0, False
    while i < n:
        ch = text[i]
        if in_string:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                in_string = False
            i += 1
            continue
        if text.startswith("(*", i):
            depth, i = depth + 1, i + 2
            continue
        if depth:
            if text.startswith("*)", i):
                depth, i = depth - 1, i + 2
            else:
                i += 1
            continue
        if ch == '"':
            in_string, i = True, i + 1
            continue
        if not _reference_strip(text[start:i]).strip():
            bullet = bullet_re.match(text, i)
            if bullet:
                sentences.append(bullet.group(0))
                i = start = bullet.end()
                continue
        ellipsis = i >= 2 and text[i - 2 : i] == ".." and (i < 3 or text[i - 3] != ".")
        if ch == "." and (i + 1 == n or text[i + 1].isspace()) and not (i > 0 and text[i - 1] == "." and not ellipsis):
            sentence = text[start : i + 1].strip()
            if _reference_strip(sentence).strip() != ".":
                sentences.append(sentence)
            start = i = i + 1
            continue
        i += 1
    if depth or in_string:
        raise SentenceError("unclosed comment" if depth else "unclosed string")
    rest = text[start:].strip()
    return sentences + [rest] if _reference_strip(rest).strip() else sentences


def _reference_strip(text: str) -> str:
    out, depth, i = [], 0, 0
    while i < len(text):
        if text.startswith("(*", i):
            depth, i = depth + 1, i + 2
        elif depth and text.startswith("*)", i):
            depth, i = depth - 1, i + 2
        else:
            if not depth:
                out.append(text[i])
            i += 1
    return "".join(out)


_PIECES = ["(*", "*)", "(", ")", "*", '"', '""', ".", "..", "-", "+", "{", "}", " ", "\n", "\t", "\u00a0",
           "\u2028", "x", "lra", "Nat.add", "1.5", "admit", "Qed", ";", "|"]


def _outcome(split, text):
    try:
        return split(text)
    except SentenceError as error:
        return str(error)


def test_random_texts_split_as_the_reference_does():
    rng = random.Random(13)
    for _ in range(4000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 24)))
        assert _outcome(split_sentences, text) == _outcome(_reference_split, text), text
        assert strip_comments(text) == _reference_strip(text), text


def _megabyte_inputs():
    size = 1 << 20
    yield ("assert (H : " + "x + " * (size // 4))[:size] + "0 = 0)."  # one sentence
    yield ("intros. lra. - nia. { exact Nat.add_comm. } " * (size // 44 + 1))[:size] + "."
    yield ('idtac "a "" b. (* c *)" (* (* x. *) y. *) ' * (size // 42 + 1))[:size]
    yield ". " * (size // 2)
    yield "- " * (size // 2)


@pytest.mark.timeout(120)
def test_a_megabyte_splits_in_seconds():
    # The original splitter took 38 s on 28 kB (quadratic: hours on 1 MB); this one takes well under 1 s.
    # CPU time of this process: other work on the machine does not count against it.
    for text in _megabyte_inputs():
        started = time.process_time()
        _outcome(split_sentences, text)
        assert time.process_time() - started < 5.0


@pytest.mark.timeout(120)
def test_a_long_tactic_is_validated_in_seconds():
    started = time.process_time()
    assert tactic_sentences("idtac; " * 20_000 + "intros") == ["idtac; " * 20_000 + "intros."]
    assert time.process_time() - started < 5.0
