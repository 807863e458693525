"""Data-parallel SFT (Chapter 13): two processes under torchrun (gloo) train exactly as one process does."""

from utils.distributed import compare_runs, launch, save_run, train_data_parallel


def test_two_processes_match_one_process_on_the_same_global_batch(tmp_path):
    run = launch(tmp_path / "two.json", processes=2, steps=3, batch_size=8, dtype="float64", timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    losses, weights, seconds = train_data_parallel(steps=3, batch_size=8, dtype="float64")
    save_run(tmp_path / "one.json", losses, weights, seconds)
    assert losses[-1] < losses[0]  # it trains
    diff = compare_runs(tmp_path / "two.json", tmp_path / "one.json")
    assert diff["max_loss_diff"] < 1e-5 and diff["max_weight_diff"] < 1e-5
