"""Seeding, device choice, annealing, the NaN guard and the grading budget."""

import functools

import pytest
import torch

from course_utils import training, vae
from course_utils.data import make_loader


def _toy_run(seed: int, steps: int = 15):
    training.seed_everything(seed)
    x = (torch.rand(64, 12) > 0.5).float()
    model = vae.VAE(12, [16], 2)
    history = training.train(
        model, make_loader(x, batch_size=16, seed=seed), training.vae_loss("bernoulli"),
        epochs=10, max_steps=steps, device="cpu", progress=False,
    )
    return model, history


def test_seeding_makes_training_reproducible():
    """Do two runs with the same seed give identical losses and weights, and a new seed differ?"""
    m1, h1 = _toy_run(0)
    m2, h2 = _toy_run(0)
    _, h3 = _toy_run(1)
    assert h1.loss == h2.loss
    for p1, p2 in zip(m1.parameters(), m2.parameters(), strict=True):
        assert torch.equal(p1, p2)
    assert h1.loss != h3.loss


def test_training_lowers_the_negative_elbo():
    training.seed_everything(0)
    x = (torch.rand(256, 20) < torch.linspace(0.05, 0.95, 20)).float()
    model = vae.VAE(20, [32], 4)
    h = training.train(model, make_loader(x, batch_size=32), training.vae_loss("bernoulli"),
                       epochs=20, device="cpu", progress=False)
    first, last = sum(h.loss[:8]) / 8, sum(h.loss[-8:]) / 8
    assert last < first - 1.0, (first, last)
    assert len(h.step) == 20 * 8 and h.seconds > 0


def test_nan_loss_stops_training_with_a_hint():
    model = vae.VAE(4, [4], 2)
    x = torch.full((8, 4), float("nan"))
    with pytest.raises(training.NonFiniteLossError, match="lower the learning rate"):
        training.train(model, make_loader(x, batch_size=4), training.vae_loss("mse"), device="cpu", progress=False)


def test_max_steps_and_beta_schedule_are_respected():
    model = vae.VAE(4, [4], 2)
    x = torch.rand(40, 4)
    schedule = functools.partial(training.linear_anneal, beta_max=0.5, warmup_fraction=0.5)
    h = training.train(model, make_loader(x, batch_size=4), training.vae_loss("mse"), epochs=5, max_steps=12,
                       beta=schedule, device="cpu", progress=False)
    assert h.step == list(range(12))
    assert h.beta[0] == 0.0 and h.beta[6] == pytest.approx(0.5) and h.beta[3] == pytest.approx(0.25)


def test_linear_and_cyclical_annealing_values():
    assert [training.linear_anneal(s, 10, 1.0, 0.5) for s in (0, 1, 5, 9)] == [0.0, 0.2, 1.0, 1.0]
    assert training.linear_anneal(0, 10, 0.7, 0.0) == 0.7
    values = [training.cyclical_anneal(s, 8, beta_max=1.0, n_cycles=2, ratio=0.5) for s in range(8)]
    assert values == [0.0, 0.5, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0]
    with pytest.raises(ValueError):
        training.linear_anneal(0, 0)


def test_grading_budget_shrinks_under_nbgrader(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert training.grading_budget(2000, 20) == 2000 and not training.is_grading()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert training.grading_budget(2000, 20) == 20 and training.is_grading()


def test_device_choice_respects_course_device(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert training.get_device().type == "cpu"
    monkeypatch.delenv("COURSE_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert training.get_device().type == expected
    with pytest.raises(ValueError, match="unknown device 'gpu0'"):
        training.get_device("gpu0")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_asking_for_cuda_without_a_gpu_is_explained(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        training.get_device()


def test_to_device_moves_nested_batches():
    batch = (torch.zeros(2), [torch.ones(1)], {"y": torch.zeros(3)}, "label")
    moved = training.to_device(batch, torch.device("cpu"))
    assert moved[0].device.type == "cpu" and moved[1][0].device.type == "cpu" and moved[3] == "label"


def test_moving_average_matches_a_direct_mean():
    vals = [1.0, 2.0, 6.0, 3.0, 8.0]
    got = training.moving_average(vals, window=2)
    assert list(got) == [1.0, 1.5, 4.0, 4.5, 5.5]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU")
def test_labs_07_to_10_train_on_the_gpu_and_analyse_on_the_cpu(monkeypatch):
    """training.train moves models to COURSE_DEVICE; the lab helpers must hand them back on the CPU."""
    from course_utils import crystal, privacy

    monkeypatch.setenv("COURSE_DEVICE", "cuda")
    assert crystal.evaluate_crystals(epochs=1, n_train=256)["positive_volume_rate"] == 1.0
    r = privacy.evaluate_privacy(n_panel=256, n_trios=32, epochs=1)
    assert 0.0 <= r["attack_concordance"] <= 1.0


def test_planned_steps_follows_the_measured_speed():
    assert training.planned_steps(50, 5.0, 10_000, None) == 10_000  # no time budget: the step cap
    assert training.planned_steps(5, 0.5, 10_000, 60.0) == 10_000  # too early to trust the speed
    assert training.planned_steps(20, 2.0, 10_000, 60.0) == 600  # 10 steps/s for 60 s
    assert training.planned_steps(20, 2.0, 300, 60.0) == 300  # never above the cap
    assert training.planned_steps(20, 30.0, 10_000, 10.0) == 21  # over budget: the current step ends the run


def test_a_time_budget_gives_schedules_the_steps_that_fit():
    """A schedule in fractions of the run must finish its warm-up inside a time budget.

    Each step sleeps 20 ms, so a 0.6 s budget fits about 30 steps; the loader alone would allow 500.
    """
    import time

    def slow_loss(model, batch, beta):
        time.sleep(0.02)
        return training.vae_loss("mse")(model, batch, beta)

    model = vae.VAE(4, [4], 2)
    schedule = functools.partial(training.linear_anneal, beta_max=0.5, warmup_fraction=0.5)
    h = training.train(model, make_loader(torch.rand(40, 4), batch_size=4), slow_loss, epochs=50,
                       max_seconds=0.6, beta=schedule, device="cpu", progress=False)
    assert 10 < len(h.step) < 60, len(h.step)
    assert h.beta[-1] == pytest.approx(0.5), "the warm-up over the first half should be over by the end"
    assert h.beta[len(h.step) // 4] < 0.5


def test_lr_schedule_scales_the_optimiser_step():
    """Adam's first step moves each weight by lr (times the factor): check it against the weights."""
    training.seed_everything(0)
    model = vae.VAE(4, [4], 2)
    before = [p.detach().clone() for p in model.parameters()]
    h = training.train(model, make_loader(torch.rand(8, 4), batch_size=8), training.vae_loss("mse"), epochs=1,
                       lr=1e-2, lr_schedule=lambda step, total: 0.25, device="cpu", progress=False)
    assert h.lr == [pytest.approx(2.5e-3)]
    moved = torch.cat([(p.detach() - b).abs().flatten() for p, b in zip(model.parameters(), before, strict=True)])
    moved = moved[moved > 0]
    assert torch.allclose(moved, torch.full_like(moved, 2.5e-3), rtol=1e-3)
    h = training.train(model, make_loader(torch.rand(40, 4), batch_size=4), training.vae_loss("mse"), epochs=1,
                       lr=1e-2, lr_schedule=lambda step, total: 1 - step / total, device="cpu", progress=False)
    assert h.lr == [pytest.approx(1e-2 * (1 - s / 10)) for s in range(10)]


def test_a_run_far_short_of_the_expected_steps_says_so_plainly(capsys, monkeypatch):
    """A time-budgeted run on a slow (here: artificially slowed) machine prints what it managed, what the
    text assumes and what to do; a run that reaches the expected steps prints nothing of the kind."""
    import time

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)  # a student's run, not a graded one

    def slow_loss(model, batch, beta):
        time.sleep(0.02)
        return training.vae_loss("mse")(model, batch, beta)

    loader = make_loader(torch.rand(40, 4), batch_size=4)
    h = training.train(vae.VAE(4, [4], 2), loader, slow_loss, epochs=50, max_seconds=0.3, device="cpu",
                       progress=False, expected_steps=1000, if_slow="Run the cell again to train longer.")
    out = capsys.readouterr().out
    assert f"this machine managed {len(h.step)} training steps in" in out and "about 1000 steps" in out, out
    assert "not a bug in your code. Run the cell again to train longer." in out
    training.train(vae.VAE(4, [4], 2), loader, training.vae_loss("mse"), epochs=1, max_seconds=30.0, device="cpu",
                   progress=False, expected_steps=10)
    assert "NOTE" not in capsys.readouterr().out
    assert training.slow_machine_notice(h, expected_steps=2 * len(h.step), if_slow="") is None  # half is enough


def test_progress_shows_the_planned_steps_from_the_first_update_and_leaves_one_line(tmp_path, monkeypatch):
    """In an executed notebook the progress is one display, replaced in place: the stored output is the
    final line, not hundreds of tqdm updates; in a terminal the tqdm bar's total is the planned steps."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)  # a student's run, not a graded one

    code = ("import torch\nfrom course_utils import training, vae\nfrom course_utils.data import make_loader\n"
            "h = training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(400, 4), batch_size=4), "
            "training.vae_loss('mse'), epochs=3, device='cpu')\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    texts = [o.get("data", {}).get("text/plain", "") for o in outputs if o.output_type == "display_data"]
    assert len(outputs) == 1 and len(texts) == 1, outputs
    assert texts[0].startswith("trained 300 steps in"), texts

    bar = training.Progress(total=78200, enabled=True, time_budget=60.0)
    bar.update(1, 40, 1.0, force=True)
    assert bar.bar.total == 40, "from the first update the bar counts the planned steps, not the loader's"
    bar.close(1, 1.0)


def test_course_time_scale_shrinks_every_time_budget_and_rejects_nonsense(monkeypatch):
    import time

    def slow_loss(model, batch, beta):
        time.sleep(0.01)
        return training.vae_loss("mse")(model, batch, beta)

    loader = make_loader(torch.rand(40, 4), batch_size=4)
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.1")
    h = training.train(vae.VAE(4, [4], 2), loader, slow_loss, epochs=100, max_seconds=3.0, device="cpu",
                       progress=False)
    # unscaled, the run would go on for the whole 3 s (1000 steps do not fit)
    assert h.seconds < 2.5, f"a 3 s budget scaled by 0.1 must stop after about 0.3 s, ran {h.seconds:.1f} s"
    for bad in ("fast", "0", "-1"):
        monkeypatch.setenv("COURSE_TIME_SCALE", bad)
        with pytest.raises(ValueError, match="COURSE_TIME_SCALE must be a positive number"):
            training.time_scale()


def test_train_passes_each_steps_scheduled_beta_to_the_loss():
    """The loss function receives the schedule's value at every step (not a constant, not the first value)."""
    seen = []

    def recording_loss(model, batch, beta):
        seen.append(beta)
        return training.vae_loss("mse")(model, batch, beta)

    h = training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(24, 4), batch_size=4), recording_loss, epochs=2,
                       beta=lambda step, total: (step + 1) / total, device="cpu", progress=False)
    assert seen == [pytest.approx((s + 1) / 12) for s in range(12)]
    assert h.beta == seen
    seen.clear()
    training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(8, 4), batch_size=4), recording_loss, epochs=1,
                   beta=0.37, device="cpu", progress=False)
    assert seen == [0.37, 0.37]


def test_vae_loss_is_per_molecule_by_hand():
    """Sum over features, mean over the batch, beta on the KL: checked on fixed decoder outputs and posteriors."""
    import math

    out = torch.zeros(2, 3, dtype=torch.float64)
    x = torch.ones(2, 3, dtype=torch.float64)
    mu = torch.tensor([[1.0], [0.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.0], [math.log(2.0)]], dtype=torch.float64)
    stub = lambda inputs: (out, mu, logvar)  # noqa: E731  (a "model" with known outputs)
    kl = (0.5 * (1 + 1 - 1 - 0) + 0.5 * (0 + 2 - 1 - math.log(2.0))) / 2
    loss, rec, kl_got = training.vae_loss("mse")(stub, (x,), 0.3)
    assert rec.item() == pytest.approx(3.0) and kl_got.item() == pytest.approx(kl)
    assert loss.item() == pytest.approx(3.0 + 0.3 * kl)
    loss, rec, _ = training.vae_loss("bernoulli")(stub, x, 2.0)  # logits 0 on targets 1: log 2 per bit
    assert rec.item() == pytest.approx(3 * math.log(2.0)) and loss.item() == pytest.approx(3 * math.log(2.0) + 2 * kl)


def test_gradient_clipping_bounds_each_step():
    """Plain SGD with lr 1 moves the parameters by exactly the clipped gradient: a step of norm clip_grad_norm."""

    def step_norm(clip):
        training.seed_everything(0)
        model = vae.VAE(4, [4], 2)
        before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
        training.train(model, make_loader(torch.rand(8, 4), batch_size=8), training.vae_loss("mse"), epochs=1,
                       optimizer=torch.optim.SGD(model.parameters(), lr=1.0), clip_grad_norm=clip, device="cpu",
                       progress=False)
        return float((torch.cat([p.detach().flatten() for p in model.parameters()]) - before).norm())

    assert step_norm(None) > 0.05, "the test needs a gradient far larger than the clip"
    assert step_norm(1e-3) == pytest.approx(1e-3, rel=1e-3)


def test_annealing_defaults_and_their_valid_ranges():
    """Hand values with the defaults: linear warm-up over 30% of the run to beta 1 (10 steps: 0, 1/3, 2/3, 1...);
    cyclical: 4 cycles, ramps over the first half of each, to 1. Edges: a warm-up of the whole run, a ratio of 1,
    one cycle, one step are allowed; a zero or too large fraction, zero cycles or steps are not."""
    assert [training.linear_anneal(s, 10) for s in range(5)] == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0, 1.0])
    assert [training.cyclical_anneal(s, 16) for s in range(8)] == [0.0, 0.5, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0]
    assert training.linear_anneal(5, 10, warmup_fraction=1.0) == 0.5
    assert training.linear_anneal(0, 1) == 0.0
    assert training.cyclical_anneal(3, 8, n_cycles=1, ratio=1.0) == pytest.approx(3 / 8)
    assert training.cyclical_anneal(0, 1, n_cycles=1) == 0.0
    for kwargs in ({"warmup_fraction": 1.5}, {"warmup_fraction": -0.1}):
        with pytest.raises(ValueError):
            training.linear_anneal(1, 10, **kwargs)
    for args, kwargs in (((1, 0), {}), ((1, 8), {"n_cycles": 0}), ((1, 8), {"ratio": 0.0}),
                         ((1, 8), {"ratio": 1.5}), ((1, -3), {"n_cycles": 0})):
        with pytest.raises(ValueError):
            training.cyclical_anneal(*args, **kwargs)


def test_moving_average_default_window_and_edges():
    """Default window 20: the trailing means of 0..29 by hand (i/2 for the first 20, then i - 9.5); window 1 is the
    values themselves (exactly, also values far below 1); window 0 is refused."""
    got = training.moving_average(list(range(30)))
    expected = [i / 2 for i in range(20)] + [i - 9.5 for i in range(20, 30)]
    assert list(got) == pytest.approx(expected)
    assert list(training.moving_average([3, 1, 4], window=1)) == [3.0, 1.0, 4.0]
    assert list(training.moving_average([1e-20, 3e-20], window=1)) == [1e-20, 3e-20]  # exact, even for tiny values
    with pytest.raises(ValueError, match="window"):
        training.moving_average([1.0, 2.0], window=0)


def test_planned_steps_from_the_tenth_step_and_with_no_elapsed_time():
    """By hand: the speed is trusted from step 10 on (10 steps in 1 s, a 60 s budget: 600); no elapsed time yet
    means no speed: the cap."""
    assert training.planned_steps(10, 1.0, 10_000, 60.0) == 600
    assert training.planned_steps(9, 1.0, 10_000, 60.0) == 10_000
    assert training.planned_steps(20, 0.0, 300, 60.0) == 300


def test_seed_everything_seeds_python_numpy_and_torch():
    """The same draws as seeding each library by hand; NumPy takes the seed modulo 2^32 (seeds above 2^32 work)."""
    import random

    import numpy as np

    for seed in (3, 2**32 + 5):
        gen = training.seed_everything(seed)
        got = (random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=gen).item())
        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)
        expected = (random.random(), np.random.rand(), torch.rand(1).item(),
                    torch.rand(1, generator=torch.Generator().manual_seed(seed)).item())
        assert got == expected


def test_slow_machine_notice_from_half_the_expected_steps(monkeypatch):
    """40 of 100 expected steps (less than half) gets the notice; 50 does not. Without COURSE_TIME_SCALE the scale
    is 1."""
    monkeypatch.delenv("COURSE_TIME_SCALE", raising=False)
    assert training.time_scale() == 1.0
    history = training.TrainingHistory(step=list(range(40)), seconds=2.0)
    assert "managed 40 training steps" in training.slow_machine_notice(history, 100, "")
    assert training.slow_machine_notice(training.TrainingHistory(step=list(range(50))), 100, "") is None


def test_to_device_moves_the_values_of_a_dict():
    """A dict keeps its keys and its tensors (not None)."""
    moved = training.to_device({"x": torch.arange(3), "y": [torch.ones(2)]}, torch.device("cpu"))
    assert torch.equal(moved["x"], torch.arange(3)) and torch.equal(moved["y"][0], torch.ones(2))


def test_train_defaults_one_epoch_beta_1_and_records_every_term():
    """Without epochs and beta: one pass over the loader (3 batches) with beta 1 at every step; the history holds
    the loss, reconstruction and KL the loss function returned (recorded here independently)."""
    returned, betas = [], []

    def recording_loss(model, batch, beta):
        betas.append(beta)
        terms = training.vae_loss("mse")(model, batch, beta)
        returned.append(tuple(t.item() for t in terms))
        return terms

    h = training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(12, 4), batch_size=4), recording_loss,
                       device="cpu", progress=False)
    assert h.step == [0, 1, 2] and betas == [1.0, 1.0, 1.0] and h.beta == [1.0, 1.0, 1.0]
    assert h.loss == [r[0] for r in returned]
    assert h.reconstruction == [r[1] for r in returned]
    assert h.kl == [r[2] for r in returned]


def test_a_parameter_without_gradient_is_not_moved_by_adam():
    """Gradients are reset to None, not to zero, between steps: Adam then skips a parameter the loss stops using
    (with a zero gradient its momentum would keep moving it). Here the second weight is used at step 0 only."""
    model = torch.nn.Module()
    model.a = torch.nn.Parameter(torch.tensor([1.0]))
    model.b = torch.nn.Parameter(torch.tensor([1.0]))
    after = []

    def loss_fn(m, batch, beta):
        loss = (m.a ** 2).sum() + ((m.b ** 2).sum() if not after else 0.0)
        after.append(float(m.b.detach()))
        return loss, loss, loss * 0

    training.train(model, make_loader(torch.zeros(3, 1), batch_size=1), loss_fn, lr=0.1, device="cpu",
                   progress=False)
    assert after[1] == pytest.approx(0.9)  # Adam's first step moves b by lr
    assert float(model.b.detach()) == pytest.approx(0.9), "b has no gradient after step 0: Adam leaves it alone"


def test_a_nan_loss_names_its_step():
    """The NaN guard says at which step the loss stopped being finite (here the third, step 2)."""
    calls = []

    def loss_fn(model, batch, beta):
        calls.append(1)
        terms = training.vae_loss("mse")(model, batch, beta)
        return (terms.loss * float("nan"), *terms[1:]) if len(calls) == 3 else terms

    with pytest.raises(training.NonFiniteLossError, match="at step 2"):
        training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(16, 4), batch_size=4), loss_fn, device="cpu",
                       progress=False)


def test_train_uses_the_device_it_is_given_over_course_device(monkeypatch):
    """An explicit device wins over COURSE_DEVICE (here naming a GPU): the model trains and stays on the CPU."""
    monkeypatch.setenv("COURSE_DEVICE", "cuda:0")
    model = vae.VAE(4, [4], 2)
    h = training.train(model, make_loader(torch.rand(8, 4), batch_size=4), training.vae_loss("mse"), device="cpu",
                       progress=False)
    assert len(h.step) == 2 and next(model.parameters()).device.type == "cpu"


def test_the_progress_bar_shows_only_when_asked_and_not_while_grading(capsys, monkeypatch):
    """In a terminal, progress (the default) writes a bar to stdout; progress=False writes nothing; under nbgrader
    nothing either."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    run = lambda **kw: training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(8, 4), batch_size=4),  # noqa: E731
                                      training.vae_loss("mse"), device="cpu", **kw)
    run(progress=False)
    assert capsys.readouterr().out == ""
    run()
    assert "/2 [" in capsys.readouterr().out  # a tqdm bar counting the 2 steps
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    run()
    assert capsys.readouterr().out == ""


def test_a_time_budget_stops_inside_an_epoch_and_schedules_see_the_cap(capsys, monkeypatch):
    """A 0.1 s budget stops a 100-batch epoch after a few 20 ms steps (not at the epoch's end, not after one step),
    and the slow-run notice ends with the default (empty) advice. With a step cap of 12, the schedule is told 12
    total steps also after step 10, when the measured speed is trusted (12 steps fit easily in 2 s)."""
    import time

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("COURSE_TIME_SCALE", raising=False)

    def slow_loss(model, batch, beta):
        time.sleep(0.02)
        return training.vae_loss("mse")(model, batch, beta)

    h = training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(400, 4), batch_size=4), slow_loss, max_seconds=0.1,
                       device="cpu", progress=False, expected_steps=1000)
    assert 2 <= len(h.step) < 50, len(h.step)
    assert capsys.readouterr().out.rstrip().endswith("not a bug in your code.")
    totals = []

    def schedule(step, total):
        totals.append(total)
        return 1.0

    h = training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(80, 4), batch_size=4), slow_loss, max_steps=12,
                       max_seconds=2.0, beta=schedule, device="cpu", progress=False)
    assert len(h.step) == 12 and totals[10] == 12 and totals[11] == 12


def test_vae_loss_passes_likelihood_options_on():
    """vae_loss("gaussian", noise_var=0.25): the Gaussian NLL with variance 0.25 by hand (3 features, one sample)."""
    import math

    out, x = torch.zeros(1, 3, dtype=torch.float64), torch.ones(1, 3, dtype=torch.float64)
    zeros = torch.zeros(1, 1, dtype=torch.float64)
    stub = lambda inputs: (out, zeros, zeros)  # noqa: E731
    _, rec, _ = training.vae_loss("gaussian", noise_var=0.25)(stub, (x,), 1.0)
    assert rec.item() == pytest.approx(3 * (1 / (2 * 0.25) + 0.5 * math.log(2 * math.pi * 0.25)))


class _RecordingProgress:
    """A stand-in for training.Progress that records what train() asks it to show."""

    made: list = []

    def __init__(self, total, enabled, time_budget):
        self.calls = [("init", total, enabled, time_budget)]
        _RecordingProgress.made.append(self)

    def update(self, step, planned, loss, force=False):
        self.calls.append(("update", step, planned, loss, force))

    def close(self, step, loss):
        self.calls.append(("close", step, loss))


def test_train_tells_the_progress_display_each_step_and_the_end(monkeypatch):
    """What train() hands the progress display, recorded: (total steps, enabled, time budget) at the start; after
    each step its number, the planned total, that step's loss, and force only on the first; at the end the step
    count and the last loss. Without a budget the plan is the step cap; with a budget of 0.3 s and 10 ms steps it
    is the steps that fit, estimated from the very first step (about 25, far below the loader's 1000)."""
    import time

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(training, "Progress", _RecordingProgress)
    _RecordingProgress.made = []
    h = training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(12, 4), batch_size=4), training.vae_loss("mse"),
                       epochs=2, device="cpu")
    calls = _RecordingProgress.made[-1].calls
    assert calls[0] == ("init", 6, True, None)
    assert calls[1:-1] == [("update", s + 1, 6, h.loss[s], s == 0) for s in range(6)]
    assert calls[-1] == ("close", 6, h.loss[-1])

    def slow_loss(model, batch, beta):
        time.sleep(0.01)
        return training.vae_loss("mse")(model, batch, beta)

    h = training.train(vae.VAE(4, [4], 2), make_loader(torch.rand(4000, 4), batch_size=4), slow_loss,
                       max_seconds=0.3, device="cpu", progress=False)
    calls = _RecordingProgress.made[-1].calls
    assert calls[0] == ("init", 1000, False, 0.3)
    first_plan = calls[1][2]
    assert 2 < first_plan < 500, first_plan
    assert calls[-1] == ("close", len(h.step), h.loss[-1])


def test_a_time_budget_keeps_going_through_the_epoch_in_order(monkeypatch):
    """Within a time budget the steps walk through the loader's batches in order (an unshuffled loader: batch k is
    rows 4k..4k+3), not the first batch over and over."""
    import time

    from torch.utils.data import DataLoader, TensorDataset

    seen = []

    def slow_loss(model, batch, beta):
        seen.append(int(batch[0][0, 0]))
        time.sleep(0.01)
        return training.vae_loss("mse")(model, batch, beta)

    rows = torch.arange(400.0)[:, None].repeat(1, 4)
    h = training.train(vae.VAE(4, [4], 2), DataLoader(TensorDataset(rows), batch_size=4), slow_loss,
                       max_seconds=0.1, device="cpu", progress=False)
    assert len(h.step) >= 3
    assert seen == [4 * k for k in range(len(seen))]


def test_train_without_a_device_uses_course_device(monkeypatch):
    """No device argument: the course device (COURSE_DEVICE, here the CPU)."""
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    model = vae.VAE(4, [4], 2)
    h = training.train(model, make_loader(torch.rand(8, 4), batch_size=4), training.vae_loss("mse"), progress=False)
    assert len(h.step) == 2 and next(model.parameters()).device.type == "cpu"
