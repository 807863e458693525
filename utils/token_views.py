"""Pictures of tokenized text: coloured token boxes as HTML (live) or as a plotly figure (static site)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from .bpe import BPETokenizer
from .checks import check_number
from .tokenizers import CharTokenizer, Tokenizer, WordPieceTokenizer, WordTokenizer, check_text

TOKEN_COLORS = ["#fde2a7", "#c9e4f6", "#d5ecc2", "#f7c9d4", "#e3d5f2", "#ffd8b1"]

Pieces = list[tuple[str, int | None]]  # (text of the token, its id, or None when it is not in the vocabulary)


def pieces(tokenizer: Tokenizer, text: str) -> Pieces:
    """The tokens of `text` under `tokenizer`, each as (visible text, id).

    Unknown words (word tokenizer) and characters (character tokenizer) are marked with
    a trailing "?" instead of raising, so a playground can show them.
    """
    check_text(text)
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


def _check_pieces(tokens: Any, name: str = "tokens") -> Pieces:
    """`tokens` itself if it is a list of (text, id or None) pairs, as `pieces` returns them."""
    if isinstance(tokens, str) or not isinstance(tokens, (list, tuple)):
        raise TypeError(f"{name} must be a list of (text, id) pairs from pieces(), got {type(tokens).__name__}.")
    for t in tokens:
        if not (isinstance(t, (list, tuple)) and len(t) == 2 and isinstance(t[0], str)
                and (t[1] is None or (isinstance(t[1], int) and not isinstance(t[1], bool)))):  # fmt: skip
            raise ValueError(f"Each of {name} must be a pair (text, id or None) as pieces() makes, got {t!r:.40}.")
    return tokens


def token_html(tokens: Pieces) -> str:
    """Coloured boxes, one per token, with the id on hover; a count underneath."""
    _check_pieces(tokens)
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
    if not isinstance(rows, Mapping):
        raise TypeError(f"rows must be a dict from a name to the pieces of a text, got {type(rows).__name__}.")
    for name, tokens in rows.items():
        _check_pieces(tokens, f"rows[{name!r}]")
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}.")
    if span is not None:
        check_number(span, "span", low=0, low_open=True)
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
