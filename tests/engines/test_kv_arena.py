"""The KV arena: the same shapes get the same addresses; growth replaces the block."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the arena holds torch tensors")

from prover.engines.hf.kv_arena import ALIGN, KVArena  # noqa: E402


def test_same_shapes_same_addresses_and_views_do_not_overlap() -> None:
    arena = KVArena(torch.float32, "cpu")
    shapes = [(2, 3, 5), (7,), (1, 4)]
    first = arena.cut(shapes)
    assert [tuple(t.shape) for t in first] == shapes
    again = arena.cut(shapes)
    assert [t.data_ptr() for t in again] == [t.data_ptr() for t in first]
    starts = [t.data_ptr() // 4 - first[0].data_ptr() // 4 for t in first]
    assert starts == [0, ALIGN, 2 * ALIGN]  # each view aligned, after the previous one
    for t, value in zip(first, (1.0, 2.0, 3.0)):
        t.fill_(value)
    assert first[0].eq(1).all() and first[1].eq(2).all() and first[2].eq(3).all()


def test_smaller_shapes_fit_without_growing_and_larger_ones_grow_it() -> None:
    arena = KVArena(torch.float32, "cpu", growth=2.0)
    arena.cut([(ALIGN * 4,)])
    capacity, generation = arena.capacity, arena.generation
    arena.cut([(ALIGN,), (ALIGN,)])
    assert (arena.capacity, arena.generation) == (capacity, generation)
    arena.cut([(ALIGN * 5,)])
    assert arena.generation == generation + 1 and arena.capacity == 2 * capacity  # at least `growth` times
    arena.release()
    assert arena.capacity == 0
