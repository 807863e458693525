"""One message-passing layer: the building block of graph neural networks, in plain torch (Chapter 2).

Each node of a graph holds a vector; a layer lets every node read its neighbours. Node i's new
vector mixes its own vector with the mean of its neighbours' vectors through two learned maps:

    h_i' = relu(W_self h_i + W_neighbours * mean_{j in N(i)} h_j)

Because the mean does not care about the order of the neighbours, renumbering the nodes only
renumbers the outputs (the layer is permutation-equivariant). This is the mean-aggregation layer of
GraphSAGE (Hamilton et al., 2017) without sampling.
"""

from __future__ import annotations

import torch
from torch import nn

from .checks import check_count, check_tensor


class MessagePassing(nn.Module):
    """h (N, C) node vectors and a 0/1 adjacency matrix (N, N) -> new node vectors (N, out)."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        check_count(in_features, "in_features")
        check_count(out_features, "out_features")
        self.self_map = nn.Linear(in_features, out_features)
        self.neighbour_map = nn.Linear(in_features, out_features, bias=False)

    def forward(self, h: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        check_tensor(h, "h", dims=2, shape=(None, self.self_map.in_features))
        check_tensor(adjacency, "adjacency", shape=(h.shape[0], h.shape[0]))
        if not bool(((adjacency == 0) | (adjacency == 1)).all()):
            raise ValueError("adjacency must hold only 0 (no edge) and 1 (an edge).")
        degree = adjacency.sum(dim=1, keepdim=True).clamp(min=1)  # (N, 1); a node with no neighbours reads zeros
        neighbours = adjacency @ h / degree  # (N, C) the mean of each node's neighbours
        return torch.relu(self.self_map(h) + self.neighbour_map(neighbours))


def similarity_graph(x: torch.Tensor, k: int) -> torch.Tensor:
    """A 0/1 adjacency matrix (N, N) joining each point of x (N, C) to its k nearest others, made symmetric."""
    check_tensor(x, "x", dims=2)
    if x.shape[0] < 2:
        raise ValueError(f"x must hold at least two points to join them, got {x.shape[0]}.")
    k = check_count(k, "k", maximum=max(1, x.shape[0] - 1))
    distance = torch.cdist(x, x)
    distance.fill_diagonal_(float("inf"))
    nearest = distance.topk(k, dim=1, largest=False).indices  # (N, k)
    adjacency = torch.zeros(len(x), len(x))
    adjacency.scatter_(1, nearest, 1.0)
    return ((adjacency + adjacency.T) > 0).float()
