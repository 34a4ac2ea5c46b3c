"""Which token prefixes the prefix cache keeps and finds."""

from __future__ import annotations

from prover.engines.hf.prefix_cache import CommonPrefix, PrefixCache, PrefixCacheConfig

HEADER = list(range(100, 140))  # 40 tokens every prompt starts with


def entry(tokens: list[int]) -> CommonPrefix:
    return CommonPrefix(tuple(tokens), layers=())


def test_a_new_prefix_is_the_common_one_in_whole_blocks() -> None:
    cache = PrefixCache(PrefixCacheConfig(block=16, min_tokens=32))
    prompts = [HEADER + [1, 2, 3], HEADER + [1, 2, 4]]
    assert cache.candidate(prompts) == tuple(HEADER[:32])  # 42 shared tokens, cut to 2 blocks of 16


def test_one_prompt_alone_finds_its_prefix_with_the_previous_batch() -> None:
    cache = PrefixCache(PrefixCacheConfig(block=8, min_tokens=8))
    assert cache.candidate([HEADER + [1]]) is None  # nothing to compare with yet
    cache.remember([HEADER + [1]])
    assert cache.candidate([HEADER + [2, 3]]) == tuple(HEADER)


def test_too_short_or_whole_prompts_are_not_prefixes() -> None:
    cache = PrefixCache(PrefixCacheConfig(block=8, min_tokens=32))
    assert cache.candidate([HEADER[:20] + [1], HEADER[:20] + [2]]) is None  # under min_tokens
    cache = PrefixCache(PrefixCacheConfig(block=1, min_tokens=8))
    assert cache.candidate([HEADER, HEADER]) == tuple(HEADER[:39])  # a prompt keeps a token of its own


def test_lookup_takes_the_longest_entry_every_prompt_goes_beyond() -> None:
    cache = PrefixCache()
    cache.add(entry(HEADER[:16]))
    cache.add(entry(HEADER[:32]))
    cache.add(entry([7] * 32))
    assert cache.lookup([HEADER + [1], HEADER[:33]]).tokens == tuple(HEADER[:32])
    assert cache.lookup([HEADER + [1], HEADER[:32]]).tokens == tuple(HEADER[:16])  # the second ends at 32
    assert cache.lookup([[1, 2, 3]]) is None
    assert (cache.hits, cache.misses) == (2, 1)


def test_least_recently_used_entries_go_first() -> None:
    cache = PrefixCache(PrefixCacheConfig(max_entries=2))
    a, b, c = entry([1] * 32), entry([2] * 32), entry([3] * 32)
    cache.add(a)
    cache.add(b)
    assert cache.lookup([[1] * 33]) is a  # a is now the most recently used
    cache.add(c)
    assert cache.lookup([[2] * 33]) is None and cache.lookup([[1] * 33]) is a and len(cache) == 2
    cache.clear()
    assert len(cache) == 0
