"""Does the shipped data load offline, at the documented sizes, with correct properties?"""

import socket

import numpy as np
import pytest
import torch

from course_utils import chem, data


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_splits_load_offline_with_documented_sizes(no_network):
    data._read_split.cache_clear()
    for split, n in data.SPLIT_SIZES.items():
        mols = data.load_molecules(split)
        assert len(mols) == n
        assert set(mols.properties) == set(chem.PROPERTY_NAMES)
        assert all(v.shape == (n,) and v.dtype == np.float64 for v in mols.properties.values())


def test_train_and_test_are_disjoint_and_unique():
    train = set(data.load_molecules("train").smiles)
    test = data.load_molecules("test").smiles
    assert len(train) == data.SPLIT_SIZES["train"] and len(set(test)) == len(test)
    assert train.isdisjoint(test)


def test_shipped_properties_match_a_fresh_rdkit_computation():
    """Recompute 200 molecules per split with RDKit and compare to the shipped (rounded) values."""
    for split in data.SPLITS:
        mols = data.load_molecules(split)
        idx = np.random.default_rng(0).choice(len(mols), 200, replace=False)
        for i in idx:
            s = mols.smiles[i]
            assert chem.canonical_smiles(s) == s
            fresh = chem.properties(s)
            for name in chem.PROPERTY_NAMES:
                assert mols.properties[name][i] == pytest.approx(fresh[name], abs=1e-2), (s, name)


def test_property_ranges_are_those_of_clean_leads():
    p = data.load_molecules("train").properties
    assert 250 <= p["mw"].min() and p["mw"].max() <= 350.1  # MOSES: 250-350 Da
    assert 0 < p["qed"].min() and p["qed"].max() <= 1
    assert 1 <= p["sa"].min() and p["sa"].max() <= 10


def test_subset_and_unknown_split_errors():
    assert len(data.load_molecules("test", n=5)) == 5
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_molecules("validation")
    with pytest.raises(ValueError, match="n must be in"):
        data.load_molecules("test", n=0)


def test_fingerprint_and_property_tensors_are_dataloader_ready():
    mols = data.load_molecules("test", n=64)
    fps = data.fingerprint_tensor(mols, n_bits=512)
    assert fps.shape == (64, 512) and fps.dtype == torch.float32 and set(fps.unique().tolist()) <= {0.0, 1.0}
    props, scaler = data.property_tensor(mols, names=("logp", "qed"))
    assert props.shape == (64, 2)
    torch.testing.assert_close(props.mean(0), torch.zeros(2), atol=1e-5, rtol=0)
    torch.testing.assert_close(props.std(0), torch.ones(2), atol=1e-5, rtol=0)
    raw = torch.tensor(np.stack([mols.properties["logp"], mols.properties["qed"]], 1), dtype=torch.float32)
    torch.testing.assert_close(scaler.inverse(props), raw, atol=1e-4, rtol=1e-5)
    with pytest.raises(ValueError, match="unknown property"):
        data.property_tensor(mols, names=("logd",))
    loader = data.make_loader(fps, props, batch_size=16)
    x, y = next(iter(loader))
    assert x.shape == (16, 512) and y.shape == (16, 2)
    with pytest.raises(ValueError, match="equal length"):
        data.make_loader(fps, props[:10])


def test_standardize_matches_numpy_and_reuses_given_statistics():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal([2.0, 300.0], [1.0, 30.0], size=(500, 2)), dtype=torch.float64)
    y, mean, std = data.standardize(x)
    np.testing.assert_allclose(y.numpy(), (x.numpy() - x.numpy().mean(0)) / x.numpy().std(0, ddof=1), atol=1e-12)
    y2, mean2, std2 = data.standardize(x[:10] + 1.0, mean, std)
    assert mean2 is mean and std2 is std
    np.testing.assert_allclose(y2.numpy(), y[:10].numpy() + 1.0 / std.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="zero spread"):
        data.standardize(torch.ones(4, 2))
