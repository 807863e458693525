"""The next-token distribution as a bar chart: which tokens a decoding strategy keeps or cuts (Chapter 11)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import torch

from .checks import check_count, check_logits
from .plots import PALETTE
from .sampling import Strategy, entropy


def _label(token: str) -> str:
    return {" ": "␣", "\n": "↵"}.get(token, token)


def next_token_figure(logits: torch.Tensor, tokens: Sequence[str], strategy: Strategy, *, top_n: int = 25,
                      title: str = "") -> go.Figure:  # fmt: skip
    """Bars for the `top_n` most likely tokens of logits (V,): the model's probability, and the
    probability after the strategy's filters (0 for cut tokens)."""
    check_logits(logits)
    if not isinstance(tokens, Sequence):
        raise TypeError(f"tokens must be a list of labels, one per token, got {type(tokens).__name__}.")
    if not isinstance(strategy, Strategy):
        raise TypeError(f"strategy must be a Strategy (e.g. Strategy(top_k=20)), got {type(strategy).__name__}.")
    check_count(top_n, "top_n")
    if logits.dim() != 1 or len(tokens) != logits.shape[0]:
        raise ValueError(f"Need logits of shape (V,) with one label per token; got {tuple(logits.shape)} and "
                         f"{len(tokens)} labels.")  # fmt: skip
    before = logits.softmax(-1)
    filtered = strategy.filter(logits)
    after = filtered.softmax(-1)
    order = before.argsort(descending=True)[:top_n].tolist()
    labels = [_label(tokens[i]) for i in order]
    kept = [bool(torch.isfinite(filtered[i])) for i in order]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=list(range(len(order))), y=[round(float(before[i]), 4) for i in order],
                         name="model (red: cut)", customdata=labels,
                         marker_color=["#c9ced8" if k else "#e8a0a8" for k in kept],
                         hovertemplate="%{customdata}: %{y:.3f} before<extra></extra>"))  # fmt: skip
    fig.add_trace(go.Bar(x=list(range(len(order))), y=[round(float(after[i]), 4) for i in order],
                         name="after the strategy", customdata=labels, marker_color=PALETTE[0],
                         hovertemplate="%{customdata}: %{y:.3f} after<extra></extra>"))  # fmt: skip
    n_kept = int(torch.isfinite(filtered).sum())
    h = float(entropy(filtered))
    fig.update_layout(
        title=title or f"kept {n_kept} of {logits.shape[0]} tokens, entropy {h:.2f} nats",
        barmode="group", height=380, yaxis=dict(title="probability", range=[0, 1]), bargap=0.15,
        xaxis=dict(tickmode="array", tickvals=list(range(len(order))), ticktext=labels, title="next character"),
        legend=dict(orientation="h", y=1.12, x=0),
    )  # fmt: skip
    return fig
