"""Pictures of tokenized text: coloured token boxes as HTML (live) or as a plotly figure (static site)."""

from __future__ import annotations

import html
from collections.abc import Mapping

import plotly.graph_objects as go

from .bpe import BPETokenizer
from .tokenizers import CharTokenizer, Tokenizer, WordPieceTokenizer, WordTokenizer

TOKEN_COLORS = ["#fde2a7", "#c9e4f6", "#d5ecc2", "#f7c9d4", "#e3d5f2", "#ffd8b1"]

Pieces = list[tuple[str, int | None]]  # (text of the token, its id, or None when it is not in the vocabulary)


def pieces(tokenizer: Tokenizer, text: str) -> Pieces:
    """The tokens of `text` under `tokenizer`, each as (visible text, id).

    Unknown words (word tokenizer) and characters (character tokenizer) are marked with
    a trailing "?" instead of raising, so a playground can show them.
    """
    if isinstance(tokenizer, BPETokenizer):
        return [(tokenizer.token_text(i), i) for i in tokenizer.encode(text)]
    if isinstance(tokenizer, WordPieceTokenizer):
        return [(p, tokenizer.index[p]) for p in tokenizer.tokenize(text)]
    if isinstance(tokenizer, WordTokenizer):
        ids = tokenizer.encode(text)
        return [(w if i else f"{w}?", i) for w, i in zip(tokenizer.split(text), ids, strict=True)]
    if isinstance(tokenizer, CharTokenizer):
        return [(c, tokenizer.index[c]) if c in tokenizer.index else (f"{c}?", None) for c in text]
    raise ValueError(f"Cannot show tokens of a {type(tokenizer).__name__}.")


def _visible(token: str) -> str:
    return token.replace(" ", "\u2423").replace("\n", "\u21b5")  # open box for spaces, arrow for newlines


def _id_text(i: int | None) -> str:
    return "not in the vocabulary" if i is None else f"id {i}"


def token_html(tokens: Pieces) -> str:
    """Coloured boxes, one per token, with the id on hover; a count underneath."""
    spans = [
        f'<span title="{_id_text(i)}" style="background:{TOKEN_COLORS[k % len(TOKEN_COLORS)]};padding:2px 3px;'
        f'margin:1px;border-radius:3px;font-family:monospace;white-space:pre">{html.escape(_visible(t))}</span>'
        for k, (t, i) in enumerate(tokens)
    ]
    ids = ", ".join("?" if i is None else str(i) for _, i in tokens)
    return (f'<div style="line-height:2">{"".join(spans)}</div>'
            f'<div style="font-size:90%;color:#555">{len(tokens)} tokens: [{html.escape(ids)}]</div>')  # fmt: skip


def token_figure(rows: Mapping[str, Pieces], title: str = "", *, span: int | None = None) -> go.Figure:
    """One row of coloured token boxes per tokenizer; box width is the token's length in characters.

    `span` fixes the width of the drawing in characters, so that frames of a slider line up.
    """
    fig = go.Figure()
    for name, tokens in rows.items():
        widths = [max(len(t), 1) for t, _ in tokens]
        starts = [sum(widths[:k]) for k in range(len(widths))]
        fig.add_trace(go.Bar(
            y=[f"{name} ({len(tokens)})"] * len(tokens), x=widths, base=starts, orientation="h",
            text=[_visible(t) for t, _ in tokens], textposition="inside", insidetextanchor="middle", textangle=0,
            textfont=dict(family="monospace", size=12), customdata=[_id_text(i) for _, i in tokens],
            marker=dict(color=[TOKEN_COLORS[k % len(TOKEN_COLORS)] for k in range(len(tokens))],
                        line=dict(color="white", width=1)),
            hovertemplate="%{text}<br>%{customdata}<extra></extra>", showlegend=False,
        ))  # fmt: skip
    fig.update_layout(title=title, barmode="overlay", height=90 + 55 * len(rows), bargap=0.25,
                      xaxis=dict(visible=False, range=[0, span] if span else None), yaxis=dict(autorange="reversed"),
                      uniformtext_minsize=7,
                      margin=dict(l=170, r=20, t=60, b=20))  # fmt: skip
    return fig
