"""The shipped pretrained SMILES VAE: small, loadable offline, and as good as its README says.

Metrics are recomputed here on a fixed seed (1,000 prior samples at the model's evaluation
temperature; 1,000 test molecules for reconstruction) and compared with the course map's bars.
The shipped model writes Kekulé SMILES and is decoded under the grammar mask
(``seqvae.default_grammar``); the same prior draws decoded without the mask are checked too, so
the network's own share of the validity is measured, not hidden behind the mask.
A bar the shipped model does not reach yet is marked xfail(strict=True): the test then fails as
soon as a better model reaches it, so the marker cannot outlive the fact.
"""

import pytest

from course_utils import chem, data, seqvae

# bar -> (threshold, reached by the shipped model?)
BARS = {
    "validity": (0.95, True),
    "unique_at_1k": (0.99, True),
    "novelty": (0.80, True),
    "reconstruction": (0.50, True),
}


@pytest.fixture(scope="module")
def evaluation():
    chem.silence_rdkit()
    model, vocab = seqvae.load_pretrained("smiles_vae")
    train, test = data.load_molecules("train"), data.load_molecules("test", n=1000)
    report = seqvae.evaluate_generation(model, vocab, set(train.smiles), test.smiles)
    return {**report, "int_div_gap": abs(report["int_div"] - report["test_int_div"])}


def test_weights_are_small_and_load_offline():
    path = seqvae.WEIGHTS_DIR / "smiles_vae.pt"
    assert path.stat().st_size < 10e6
    model, vocab = seqvae.load_pretrained("smiles_vae")
    assert not model.training and len(vocab) == model.config.vocab_size
    with pytest.raises(FileNotFoundError, match="available"):
        seqvae.load_pretrained("no_such_model")


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=[] if ok else pytest.mark.xfail(strict=True, reason="bar not reached yet"))
             for n, (_, ok) in BARS.items()]
)
def test_pretrained_model_reaches_the_course_bar(name, evaluation):
    assert evaluation[name] >= BARS[name][0], f"{name} = {evaluation[name]:.3f} < {BARS[name][0]}"


@pytest.mark.slow
def test_the_network_alone_beats_the_aromatic_model(evaluation):
    """Without the mask, validity must still beat the aromatic model's 0.765 (weights README)."""
    assert evaluation["validity_unconstrained"] > 0.8, evaluation
    assert evaluation["reconstruction_unconstrained"] >= 0.5, evaluation


def test_shipped_model_is_decoded_under_the_grammar_mask():
    from course_utils.grammar import SmilesGrammar

    model, vocab = seqvae.load_pretrained("smiles_vae")
    assert vocab.kind == "kekule" and isinstance(seqvae.default_grammar(vocab), SmilesGrammar)
    _, aromatic = seqvae.load_pretrained("smiles_vae_aromatic")
    assert aromatic.kind == "smiles" and seqvae.default_grammar(aromatic) is None


@pytest.mark.slow
def test_diversity_is_close_to_the_test_sets(evaluation):
    assert evaluation["int_div_gap"] <= 0.05


# --- the pretrained conditional VAE (lab 03) and the latent space (lab 04) -----------------------

@pytest.fixture(scope="module")
def conditioning():
    from course_utils import cvae

    chem.silence_rdkit()
    model, vocab = seqvae.load_pretrained("smiles_cvae")
    return cvae.evaluate_conditioning(model, vocab, n_per_target=200, seed=0,
                                      unconditional=seqvae.load_pretrained("smiles_vae_aromatic"))


def test_cvae_weights_load_with_their_condition():
    from course_utils import cvae

    model, vocab = seqvae.load_pretrained("smiles_cvae")
    assert isinstance(model, cvae.ConditionalSmilesVAE) and model.condition_names == ("logp", "qed", "mw")
    assert (seqvae.WEIGHTS_DIR / "smiles_cvae.pt").stat().st_size < 10e6
    train = data.load_molecules("train")
    _, standardizer = data.property_tensor(train, ("logp", "qed", "mw"))
    assert model.standardizer.mean.tolist() == pytest.approx(standardizer.mean.tolist(), rel=1e-5)


@pytest.mark.slow
def test_cvae_follows_the_asked_logp(conditioning):
    assert conditioning["spearman"] >= 0.7, conditioning
    assert conditioning["mae_conditional"] < conditioning["mae_unconditional"], conditioning


@pytest.mark.slow
def test_latent_space_predicts_logp_and_tracks_similarity():
    from course_utils import latent

    model, vocab = seqvae.load_pretrained("smiles_vae")
    test = data.load_molecules("test", n=4000)
    report = latent.evaluate_latent(model, vocab, test.smiles, test.properties["logp"], n_tsne=0)
    assert report["logp_ridge_r2"] >= 0.5, report
    assert report["distance_tanimoto_spearman"] > 0, report


# Lab 05's claim (rank weights raise mean QED above round 0 and above uniform weights, validity >= 0.6) is
# asserted by the solution notebook under nbval, on seed 0 at the full budget: the same experiment as
# design.evaluate_design(seeds=(0,)), which this file ran a second time; `make bench` averages 3 seeds.
