"""Shared-prefix attention is exactly attention over the prompt followed by each row's own tokens."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the hf engine needs torch")
pytest.importorskip("transformers", reason="the hf engine needs transformers")

from prover.engines.hf.shared_prefix import SharedPrefixCache, shared_prefix_attention  # noqa: E402


class _Layer(torch.nn.Module):
    def __init__(self, layer_idx: int):
        super().__init__()
        self.layer_idx = layer_idx
        self.is_causal = True


@pytest.mark.parametrize("heads, kv_heads", [(4, 4), (4, 2), (6, 1)])
@pytest.mark.parametrize("common, shared", [(0, 0), (7, 5)])
def test_matches_sdpa_over_the_whole_sequence(heads: int, kv_heads: int, common: int, shared: int) -> None:
    """Rows see: the ``shared`` tokens all prompts share, their prompt's own tokens, their own suffix."""
    torch.manual_seed(0)
    prompts, k, prefix, suffix, dim, filled = 3, 4, 8, 5, 16, 3
    lengths = [8, 5, 2]  # prompts are left-padded within the prefix
    cache = SharedPrefixCache(num_layers=1, prompts=prompts, k=k, prefix=prefix, suffix=suffix, common=common)
    cache.allocate(kv_heads, dim, torch.float64, torch.device("cpu"))
    layer = cache.layers[0]
    for tensor in (layer.prefix_keys, layer.prefix_values, layer.common_keys, layer.common_values):
        tensor.normal_()
    layer.keys.normal_()  # suffix slots past ``filled`` hold garbage that must be ignored
    layer.values.normal_()
    layer.cumulative_length.fill_(filled)
    for p, n in enumerate(lengths):
        cache.prefix_mask[p, 0, 0, prefix - n :] = True
    cache.common_mask[..., :shared] = True
    query = torch.randn(prompts * k, heads, 1, dim, dtype=torch.float64)

    got, _ = shared_prefix_attention(
        _Layer(0), query, layer.keys, layer.values, cache.prefix_mask, scaling=0.3, shared_prefix=cache
    )

    groups = heads // kv_heads
    for row in range(prompts * k):
        p = row // k
        own = slice(prefix - lengths[p], None)
        keys = torch.cat([layer.common_keys[0, :, :shared], layer.prefix_keys[p, :, own], layer.keys[row, :, :filled]], 1)
        values = torch.cat(
            [layer.common_values[0, :, :shared], layer.prefix_values[p, :, own], layer.values[row, :, :filled]], 1
        )
        keys, values = keys.repeat_interleave(groups, 0), values.repeat_interleave(groups, 0)
        want = torch.nn.functional.scaled_dot_product_attention(query[row], keys, values, scale=0.3)  # (heads, 1, dim)
        torch.testing.assert_close(got[row, 0], want[:, 0])


def test_loading_a_prefix_clears_what_an_earlier_batch_left() -> None:
    from transformers import DynamicCache, LlamaConfig

    config = LlamaConfig(hidden_size=8, num_attention_heads=2, num_key_value_heads=2, num_hidden_layers=2)
    prefill = DynamicCache(config=config)
    for layer in range(2):
        kv = torch.ones(1, 2, 3, 4)
        prefill.update(kv, kv, layer)
    cache = SharedPrefixCache(num_layers=2, prompts=2, k=2, prefix=4, suffix=4)
    cache.allocate(2, 4, torch.float32, torch.device("cpu"))
    for layer in cache.layers:
        layer.prefix_keys.fill_(7.0)
        layer.keys.fill_(7.0)
        layer.cumulative_length.fill_(3)
    cache.prefix_mask.fill_(True)

    cache.load_prefix(prefill, torch.tensor([[0, 1, 1]]))

    assert cache.prefix_mask[:, 0, 0].tolist() == [[False, True, True, False], [False, False, False, False]]
    for layer in cache.layers:
        assert layer.prefix_keys[0, :, :3].eq(1.0).all() and layer.prefix_keys[0, :, 3:].eq(0).all()
        assert layer.prefix_keys[1].eq(0).all() and layer.keys.eq(0).all()
        assert int(layer.cumulative_length) == 0


def test_models_whose_attention_it_does_not_compute_are_refused() -> None:
    from transformers import Gemma2Config, LlamaConfig, MistralConfig

    from prover.engines.hf.shared_prefix import unsupported_reason

    assert unsupported_reason(LlamaConfig()) is None
    assert unsupported_reason(MistralConfig()) is None  # its window is checked against each batch's length
    assert "soft-capping" in unsupported_reason(Gemma2Config())
    cache = SharedPrefixCache(num_layers=1, prompts=1, k=1, prefix=64, suffix=64)
    cache.allocate(1, 4, torch.float32, torch.device("cpu"))
    query, suffix = torch.zeros(1, 1, 1, 4), cache.layers[0].keys
    for variant in ({"softcap": 50.0}, {"s_aux": torch.zeros(1)}, {"sliding_window": 100}):
        with pytest.raises(NotImplementedError):
            shared_prefix_attention(_Layer(0), query, suffix, suffix, None, shared_prefix=cache, **variant)
    out, _ = shared_prefix_attention(_Layer(0), query, suffix, suffix, None, shared_prefix=cache, sliding_window=4096)
    assert out.shape == (1, 1, 1, 4)
