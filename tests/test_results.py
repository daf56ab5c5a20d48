"""Result artifacts round-trip, record their provenance, and fail clearly when missing."""
import numpy as np
import pytest

from rnnattr.results import load_result, save_result


def test_round_trip_keeps_arrays_and_adds_provenance(tmp_path):
    arrays = {"s": np.linspace(0, 1, 5), "h1": np.ones((5, 3), dtype=np.float16)}
    save_result(tmp_path / "run" / "full", arrays, {"device": "cpu", "wall_time_s": 1.5})
    loaded, metadata = load_result(tmp_path / "run" / "full")
    np.testing.assert_array_equal(loaded["s"], arrays["s"])
    assert loaded["h1"].dtype == np.float16
    assert metadata["device"] == "cpu" and metadata["wall_time_s"] == 1.5
    assert {"rnnattr_version", "torch_version", "saved_at"} <= set(metadata)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["full.json", "full.npz"]  # no partial files


def test_missing_artifact_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.npz"):
        load_result(tmp_path / "absent")
