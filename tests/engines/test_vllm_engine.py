"""The ``vllm`` engine, where vLLM and a GPU are present."""

from __future__ import annotations

import pytest

from prover.engines.vllm.engine import vllm_available

pytestmark = pytest.mark.skipif(not vllm_available(), reason="vLLM is not installed (pip install .[gpu])")


def test_vllm_engine_samples_n_per_prompt_with_logprobs(tiny_model_dir) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("vLLM needs a CUDA GPU")
    from prover.engines.base import Request, SamplingParams
    from prover.generators.prompting import PromptTemplate
    from prover.engines.vllm.engine import VLLMConfig, VLLMEngine

    coq = PromptTemplate.for_backend("coq")
    engine = VLLMEngine(str(tiny_model_dir), VLLMConfig(gpu_memory_utilization=0.3, max_model_len=2048))
    results = engine.sample(
        [Request(coq.render("⊢ 1 = 1"), 4), Request(coq.render("⊢ 2 = 2"), 2)],
        SamplingParams(max_new_tokens=8, stop=coq.stop),
    )
    assert [len(r) for r in results] == [4, 2]
    assert all(s.logprob <= 0 and len(s.token_logprobs) > 0 for r in results for s in r)
