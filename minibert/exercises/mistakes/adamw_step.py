"""Exercise 16, typical mistakes: where the weight decay goes, the bias correction, where eps goes."""

from minibert.exercises.diagnosis import Mistake


def update(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps, weight_decay, *, decay="decoupled",
           bias_correction=True, eps_inside=False):
    """AdamW with one rule changed; the defaults are right."""
    beta1, beta2 = betas
    if decay == "l2":  # Adam + L2: the decay goes through the gradient, and so through both moments
        grad = grad + weight_decay * param
    elif decay == "decoupled":
        param = param * (1 - lr * weight_decay)
    elif decay == "without_lr":
        param = param * (1 - weight_decay)
    m = beta1 * exp_avg + (1 - beta1) * grad
    v = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    m_hat, v_hat = (m / (1 - beta1 ** step), v / (1 - beta2 ** step)) if bias_correction else (m, v)
    denom = (v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps
    param = param - lr * m_hat / denom
    if decay == "after":
        param = param * (1 - lr * weight_decay)
    return param, m, v


def variant(**rule):
    return lambda **inputs: update(**inputs, **rule)


MISTAKES = [
    Mistake("l2_weight_decay",
            "Probably the weight decay was added to the gradient, g + weight_decay·θ (Adam with L2 "
            "regularisation): AdamW decays the weight itself, θ·(1 − lr·weight_decay), before the update, and "
            "the moments see the plain gradient.",
            variant(decay="l2")),
    Mistake("no_bias_correction",
            "Probably no bias correction: divide the moments by (1 − β1ᵗ) and (1 − β2ᵗ) before the update "
            "(t = step, counted from 1), or the first steps are far too small or too large.",
            variant(bias_correction=False)),
    Mistake("eps_inside_sqrt",
            "Probably eps inside the square root, √(v̂ + eps): torch adds it outside, √v̂ + eps (it matters "
            "when the gradients are small).",
            variant(eps_inside=True)),
    Mistake("decay_without_lr",
            "Probably the weight decay is not scaled by the learning rate, θ·(1 − weight_decay): AdamW "
            "multiplies the weight by (1 − lr·weight_decay).",
            variant(decay="without_lr")),
    Mistake("decay_after_update",
            "Probably the weight decay was applied after the Adam step: torch decays the weight first, "
            "θ·(1 − lr·weight_decay), then subtracts lr·m̂/(√v̂ + eps).",
            variant(decay="after")),
]
