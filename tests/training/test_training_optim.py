"""Learning-rate schedules against the reference's get_scheduler, step by step; AdamW parameter groups."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from minibert.training.optim import create_optimizer, parameter_groups
from minibert.training.schedules import SCHEDULES, get_scheduler

transformers = pytest.importorskip("transformers")

CASES = [
    # (name, warmup, total, scheduler-specific kwargs)
    *[(name, w, 40, {}) for name in SCHEDULES for w in (0, 1, 7)],
    ("cosine", 5, 40, {"num_cycles": 1.5}),
    ("cosine_with_restarts", 5, 40, {"num_cycles": 3}),
    ("polynomial", 5, 40, {"lr_end": 1e-5, "power": 2.0}),
    ("polynomial", 0, 17, {"lr_end": 0.0, "power": 0.5}),
]


def _lrs(make, steps):
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=1e-3)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("name,warmup,total,kwargs", CASES)
def test_schedule_matches_reference_step_by_step(name, warmup, total, kwargs):
    steps = total + 10  # also past the end, where linear/cosine stay at 0 and polynomial at lr_end
    ours = _lrs(lambda o: get_scheduler(name, o, warmup, total, **kwargs), steps)
    ref = _lrs(lambda o: transformers.get_scheduler(name, o, num_warmup_steps=warmup, num_training_steps=total,
                                                    scheduler_specific_kwargs=kwargs or None), steps)
    diff = max(abs(a - b) for a, b in zip(ours, ref))
    assert diff <= 1e-12, f"{name}: max |lr - lr_ref| = {diff}"
    if name != "constant" and not (name == "constant_with_warmup" and warmup <= 1):
        assert len(set(ours)) > 2  # the schedule really changes the rate


def test_schedule_errors():
    opt = torch.optim.AdamW([nn.Parameter(torch.zeros(1))], lr=1e-3)
    with pytest.raises(ValueError, match="unknown schedule 'cosin'"):
        get_scheduler("cosin", opt, 0, 10)
    with pytest.raises(ValueError, match="num_training_steps"):
        get_scheduler("linear", opt, 0, None)
    with pytest.raises(ValueError, match="lr_end"):
        get_scheduler("polynomial", opt, 0, 10, lr_end=1.0)


def _tiny_mlm():
    from minibert import BertConfig, BertForMaskedLM
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=32)
    return BertForMaskedLM(cfg)


def test_parameter_groups_match_the_reference_rule():
    from transformers.trainer_pt_utils import get_parameter_names

    model = _tiny_mlm()
    decay, no_decay = parameter_groups(model, weight_decay=0.01)
    names = {id(p): n for n, p in model.named_parameters()}
    # The reference Trainer's rule: decay = not inside a LayerNorm, and "bias" not in the name. It lists the
    # tied decoder weight under both of its names; compare tensors, not names.
    params = dict(model.named_parameters(remove_duplicate=False))
    ref_decay = {id(params[n]) for n in get_parameter_names(model, [nn.LayerNorm]) if "bias" not in n}
    assert {id(p) for p in decay["params"]} == ref_decay
    assert decay["weight_decay"] == 0.01 and no_decay["weight_decay"] == 0.0
    no_decay_names = {names[id(p)] for p in no_decay["params"]}
    assert all(n.endswith("bias") or "LayerNorm" in n for n in no_decay_names)
    assert "bert.embeddings.LayerNorm.weight" in no_decay_names
    # every trainable tensor exactly once; the tied decoder weight is the word embedding, not a second copy
    all_params = decay["params"] + no_decay["params"]
    assert len({id(p) for p in all_params}) == len(all_params) == len(list(model.parameters()))


def test_create_optimizer_uses_torch_adamw():
    model = _tiny_mlm()
    model.cls.predictions.transform.dense.weight.requires_grad_(False)
    opt = create_optimizer(model, lr=1e-4)
    assert type(opt) is torch.optim.AdamW and opt.defaults["lr"] == 1e-4 and opt.defaults["eps"] == 1e-6
    assert sum(len(g["params"]) for g in opt.param_groups) == len(list(model.parameters())) - 1  # frozen left out
    with pytest.raises(ValueError, match="learning rate"):
        create_optimizer(model, lr=0)
