"""The message-passing layer: the formula by hand, permutation equivariance, and the similarity graph."""

import pytest
import torch

from utils.graphs import MessagePassing, similarity_graph


def _graph() -> tuple[torch.Tensor, torch.Tensor]:
    h = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    adjacency = torch.tensor(
        [[0, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 0, 0, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]], dtype=torch.float32
    )  # node 4 has no neighbours
    return h, adjacency


def test_layer_equals_the_formula_node_by_node():
    torch.manual_seed(0)
    layer, (h, adjacency) = MessagePassing(4, 3), _graph()
    out = layer(h, adjacency)
    for i in range(5):
        neighbours = adjacency[i].nonzero().flatten()
        mean = h[neighbours].mean(0) if len(neighbours) else torch.zeros(4)
        expected = torch.relu(layer.self_map(h[i]) + layer.neighbour_map(mean))
        assert torch.allclose(out[i], expected, atol=1e-6)


def test_renumbering_nodes_renumbers_the_outputs():
    torch.manual_seed(1)
    layer, (h, adjacency) = MessagePassing(4, 6), _graph()
    order = torch.tensor([3, 0, 4, 1, 2])
    permuted = layer(h[order], adjacency[order][:, order])
    assert torch.allclose(permuted, layer(h, adjacency)[order], atol=1e-6)


def test_similarity_graph_is_symmetric_without_self_loops():
    x = torch.tensor([[0.0], [0.1], [5.0], [5.2], [10.0]])
    adjacency = similarity_graph(x, k=1)
    assert torch.equal(adjacency, adjacency.T) and adjacency.diagonal().sum() == 0
    assert adjacency[0, 1] == 1 and adjacency[2, 3] == 1 and adjacency[0, 2] == 0
    assert (adjacency.sum(1) >= 1).all()


def test_bad_graphs_are_refused():
    layer, (h, adjacency) = MessagePassing(4, 3), _graph()
    with pytest.raises(ValueError, match="only 0"):
        layer(h, adjacency * 0.5)
    with pytest.raises(ValueError, match="shape"):
        layer(h, adjacency[:4])
    with pytest.raises(ValueError, match="two points"):
        similarity_graph(torch.zeros(1, 2), k=1)
