"""Lab 02 (a SMILES VAE): what the classic mistakes compute.

Shapes: ``tokens`` (batch, length) int64, ``<bos>`` first, ``<eos>`` last, ``<pad>`` (0) after;
``mu``, ``logvar``, ``z``: (batch, latent_dim); ``inputs`` (batch, steps) decoder input ids;
logits (batch, steps, vocab); sampled ids (n, max_len). Token lists are lists of strings.

Besides the catalogue functions (``{explanation: value}``, like :mod:`course_utils.mistakes.lab01`),
the lab's test cells use :func:`course_utils.grading.assert_same` (exact values: token lists, strings,
id lists, booleans) and :func:`course_utils.grading.outcome`, re-exported here under the names the
notebook uses (``mistakes.assert_same``, ``mistakes.outcome``, ``mistakes.RAISED``).
"""

from __future__ import annotations

import re
from typing import Any

import torch

from course_utils.grading import RAISED, assert_same, outcome  # noqa: F401 (the names lab 02's test cells use)
from course_utils.smiles import Vocabulary

Catalogue = dict[str, Any]

PAD_ID, BOS_ID, EOS_ID, MASK_ID = Vocabulary.pad_id, Vocabulary.bos_id, Vocabulary.eos_id, Vocabulary.mask_id

def raised(function: str, err: Exception, cause: str) -> str:
    """The failure message when ``function`` raised ``err``: the error's first line and its likely cause."""
    first = (str(err).splitlines() or [""])[0].rstrip(". ")
    return f"{function} raised {type(err).__name__}: {first}. Likely cause: {cause}"


# -- 1. tokenize ----------------------------------------------------------------------------------
TOKENIZE_CL_AFTER_C = ("'Cl' and 'Br' are single atoms: put Cl and Br before C and B in your pattern (a regular "
                       "expression tries the alternatives left to right and takes the first that matches)")
TOKENIZE_CHARACTERS = ("you split the string into characters: a token can be longer than one character (Cl, Br, "
                       "[nH], %10); match tokens with one regular expression")
TOKENIZE_NO_BRACKETS = ("bracket atoms are missing from your pattern: everything from '[' to the next ']' is one "
                        "token, e.g. \\[[^\\]]+\\]")
TOKENIZE_GREEDY_BRACKET = ("your bracket pattern is greedy: \\[.*\\] runs on to the LAST ']' of the string; stop at "
                           "the first one with \\[[^\\]]+\\] (or the lazy \\[.*?\\])")
TOKENIZE_PERCENT = ("a ring closure written with '%' is one token: '%' followed by exactly two digits, "
                    "%[0-9]{2}, tried before the one-digit rule")
TOKENIZE_MULTIDIGIT = ("each ring-closure digit is its own token: in 'C12' the atom opens rings 1 and 2; match one "
                       "digit [0-9], not [0-9]+ (a two-digit label is written %12)")
TOKENIZE_SILENT = ("characters that match no token were skipped silently (re.findall does that): check that the "
                   "tokens cover the whole string and raise ValueError at the first gap")

_BRACKET = r"\[[^\[\]]+\]"
_TWO = "Br|Cl"
_ONE = "B|C|N|O|S|P|F|I|b|c|n|o|s|p"
_SYMBOLS = r"\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$"


def _pattern(bracket: str | None = _BRACKET, atoms: str = f"{_TWO}|{_ONE}", percent: str | None = "%[0-9]{2}",
             digit: str = "[0-9]") -> str:
    parts = [bracket, atoms, _SYMBOLS, percent, digit]
    return "(" + "|".join(p for p in parts if p) + ")"


def _split(pattern: str, smiles: str) -> list[str] | str:
    """Tokens that cover the string, or :data:`RAISED` where a character matches no token."""
    tokens, pos = [], 0
    for match in re.finditer(pattern, smiles):
        if match.start() != pos:
            break
        tokens.append(match.group())
        pos = match.end()
    return tokens if pos == len(smiles) else RAISED


def tokenize(smiles: str) -> Catalogue:
    """The tokens (or :data:`RAISED`) each mistaken tokenizer gives for ``smiles``."""
    return {
        TOKENIZE_CL_AFTER_C: _split(_pattern(atoms=f"{_ONE}|{_TWO}"), smiles),
        TOKENIZE_CHARACTERS: list(smiles),
        TOKENIZE_NO_BRACKETS: _split(_pattern(bracket=None), smiles),
        TOKENIZE_GREEDY_BRACKET: _split(_pattern(bracket=r"\[.*\]"), smiles),
        TOKENIZE_PERCENT: _split(_pattern(percent=None), smiles),
        TOKENIZE_PERCENT + " (you matched only one digit after '%')": _split(_pattern(percent="%[0-9]"), smiles),
        TOKENIZE_MULTIDIGIT: _split(_pattern(digit="[0-9]+"), smiles),
        TOKENIZE_SILENT: re.findall(_pattern(), smiles),
    }


# -- 2. encode / decode ---------------------------------------------------------------------------
ENCODE_NO_SPECIALS = "the ids need <bos> first and <eos> last: [BOS_ID] + token ids + [EOS_ID]"
ENCODE_NO_BOS = "<bos> is missing at the start: [BOS_ID] + token ids + [EOS_ID]"
ENCODE_NO_EOS = "<eos> is missing at the end: [BOS_ID] + token ids + [EOS_ID]"
ENCODE_KEY_ERROR = ("a token missing from the vocabulary raised KeyError (vocab.stoi[token]); a KeyError is not a "
                    "ValueError: check `token not in vocab.stoi` and raise ValueError naming the token")
ENCODE_SILENT_UNKNOWN = ("a token missing from the vocabulary was skipped or replaced (vocab.stoi.get?): raise "
                         "ValueError naming the token instead, so no molecule is silently changed")
DECODE_KEEPS_SPECIALS = "the special tokens were written out: skip <pad>, <bos> and <mask> (ids 0, 1, 3)"
DECODE_SKIPS_EOS = "<eos> was skipped instead of ending the string: stop (break) at the first <eos>"
DECODE_MASK_KEPT = "<mask> was written out: skip it like <pad> and <bos>"
DECODE_MASK_ENDS = "<mask> ended the string: only <eos> ends it; skip <mask> like <pad> and <bos>"
DECODE_PAD_ENDS = "<pad> ended the string: only <eos> ends it; skip <pad> like <bos> and <mask>"


def encode(smiles: str, vocab: Vocabulary) -> Catalogue:
    """The id lists that the mistaken encoders give."""
    from course_utils.smiles import tokenize as reference_tokenize

    ids = [vocab.stoi[t] for t in reference_tokenize(smiles)]
    return {ENCODE_NO_SPECIALS: ids, ENCODE_NO_BOS: ids + [EOS_ID], ENCODE_NO_EOS: [BOS_ID] + ids}


def encode_unknown(smiles: str, vocab: Vocabulary) -> Catalogue:
    """For a string with a token missing from ``vocab``: what silently skipping it gives."""
    from course_utils.smiles import tokenize as reference_tokenize

    kept = [vocab.stoi[t] for t in reference_tokenize(smiles) if t in vocab.stoi]
    return {ENCODE_SILENT_UNKNOWN: [BOS_ID, *kept, EOS_ID]}


def _decode(ids: Any, itos: list[str], stop: set[int], skip: set[int]) -> str:
    out = []
    for i in (int(i) for i in ids):
        if i in stop:
            break
        if i not in skip:
            out.append(itos[i])
    return "".join(out)


def decode(ids: Any, vocab: Vocabulary) -> Catalogue:
    """The strings that the mistaken decoders give for ``ids``."""
    itos, specials = vocab.itos, {PAD_ID, BOS_ID, MASK_ID}
    return {
        DECODE_KEEPS_SPECIALS: _decode(ids, itos, {EOS_ID}, set()),
        DECODE_SKIPS_EOS: _decode(ids, itos, set(), specials | {EOS_ID}),
        DECODE_MASK_KEPT: _decode(ids, itos, {EOS_ID}, {PAD_ID, BOS_ID}),
        DECODE_MASK_ENDS: _decode(ids, itos, {EOS_ID, MASK_ID}, {PAD_ID, BOS_ID}),
        DECODE_PAD_ENDS: _decode(ids, itos, {EOS_ID, PAD_ID}, {BOS_ID, MASK_ID}),
    }


# -- 3. the encoder -------------------------------------------------------------------------------
ENCODER_FORWARD_ONLY = ("only the forward direction's final state (h[0]) is used: the bidirectional GRU's h is "
                        "(2, batch, hidden); concatenate the forward h[0] and the backward h[1], "
                        "torch.cat([h[0], h[1]], dim=1)")
ENCODER_BACKWARD_ONLY = ("only the backward direction's final state (h[1], or h[-1]) is used: concatenate the "
                         "forward h[0] and the backward h[1], torch.cat([h[0], h[1]], dim=1)")
ENCODER_SWAPPED = "the two directions are swapped: forward first, torch.cat([h[0], h[1]], dim=1)"
ENCODER_OUTPUT_LAST = ("you took the GRU's output at the last position: its backward half is the backward "
                       "direction after reading one token, not the whole molecule; use the final hidden state h "
                       "(h[0] forward, h[1] backward)")
ENCODER_VIEW = ("h.view(batch, -1) (or reshape) mixes the molecules of the batch: h is (2, batch, hidden), so "
                "flattening it puts two molecules in one row; use torch.cat([h[0], h[1]], dim=1)")
ENCODER_NO_PACKING = ("the padding reached the GRU: pack the batch with nn.utils.rnn.pack_padded_sequence(embedded, "
                      "lengths.cpu(), batch_first=True, enforce_sorted=False)")
ENCODER_LENGTHS_SHORT = ("your lengths leave out the last real token: count every non-pad token, <bos> and <eos> "
                         "included: (tokens != PAD_ID).sum(1)")
ENCODER_LOGVAR_FROM_MU = "logvar came from model.to_mu: use model.to_logvar for logvar"
ENCODER_SHAPES = ("model.to_mu takes 2 * encoder_hidden features, the forward and the backward final states side "
                  "by side: torch.cat([h[0], h[1]], dim=1) has shape (batch, 2 * hidden)")
ENCODER_UNSORTED = ("pack_padded_sequence needs enforce_sorted=False: the rows of a batch are not sorted by "
                    "length")


def _states(model: torch.nn.Module, tokens: torch.Tensor) -> Catalogue:
    """(batch, 2 * hidden) encoder states: the right one under "" and each mistake's."""
    rows = [row[row != PAD_ID] for row in tokens]
    finals, outs, short = [], [], []
    for row in rows:
        out, h = model.encoder_rnn(model.embed(row.unsqueeze(0)))
        finals.append(h[:, 0])  # (2, hidden)
        outs.append(out[0, -1])
        short.append(model.encoder_rnn(model.embed(row[:-1].unsqueeze(0)))[1][:, 0])
    h = torch.stack(finals, dim=1)  # (2, batch, hidden), as the packed GRU returns it
    unpacked = model.encoder_rnn(model.embed(tokens))[1]
    s = torch.stack(short, dim=1)
    return {
        "": torch.cat([h[0], h[1]], dim=1),
        ENCODER_FORWARD_ONLY: torch.cat([h[0], h[0]], dim=1),
        ENCODER_BACKWARD_ONLY: torch.cat([h[1], h[1]], dim=1),
        ENCODER_SWAPPED: torch.cat([h[1], h[0]], dim=1),
        ENCODER_OUTPUT_LAST: torch.stack(outs),
        ENCODER_VIEW: h.reshape(tokens.shape[0], -1),
        ENCODER_NO_PACKING: torch.cat([unpacked[0], unpacked[1]], dim=1),
        ENCODER_LENGTHS_SHORT: torch.cat([s[0], s[1]], dim=1),
    }


@torch.no_grad()
def gru_encode_mu(model: torch.nn.Module, tokens: torch.Tensor) -> Catalogue:
    """mu (batch, latent_dim) as each mistaken encoder computes it."""
    states = _states(model, tokens)
    return {why: model.to_mu(h) for why, h in states.items() if why}


@torch.no_grad()
def gru_encode_logvar(model: torch.nn.Module, tokens: torch.Tensor) -> Catalogue:
    """logvar (batch, latent_dim) as each mistaken encoder computes it."""
    states = _states(model, tokens)
    out = {why: model.to_logvar(h) for why, h in states.items() if why}
    out[ENCODER_LOGVAR_FROM_MU] = model.to_mu(states[""])
    return out


@torch.no_grad()
def gru_encode_one_by_one(model: torch.nn.Module, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """mu and logvar with each molecule encoded alone, without padding (no packing needed): the expected values."""
    h = _states(model, tokens)[""]
    return model.to_mu(h), model.to_logvar(h)


def encoder_error(err: Exception) -> str:
    """The likely cause of an error raised inside ``gru_encode``."""
    text = str(err)
    if "must be sorted" in text:
        return ENCODER_UNSORTED
    if "shapes cannot be multiplied" in text:
        return ENCODER_SHAPES
    if "lengths" in text:
        return "lengths must be a 1-D int64 tensor on the CPU: (tokens != PAD_ID).sum(1).cpu()"
    return "see the error above"


# -- 3. the decoder -------------------------------------------------------------------------------
DECODER_NO_TANH = ("the start state has no tanh: the decoder's GRU starts from torch.tanh(model.z_to_hidden(z)), "
                   "unsqueezed to (1, batch, hidden)")
DECODER_SIGMOID = "the start state goes through a sigmoid; it is torch.tanh(model.z_to_hidden(z))"
DECODER_ZERO_START = ("the GRU started from zeros (hidden=None passed on to model.decoder_rnn): when hidden is None, "
                      "start from torch.tanh(model.z_to_hidden(z)).unsqueeze(0)")
DECODER_Z_FIRST = ("z is placed before the token embedding: concatenate the embedding first, then z, "
                   "torch.cat([model.embed(inputs), z repeated over the steps], dim=2), as the layers were "
                   "trained")
DECODER_SOFTMAX = ("you returned probabilities (a softmax): return the logits, model.to_logits(output); the loss and "
                   "the sampler apply the softmax themselves")
DECODER_RESTART = ("every call restarted from z: use the hidden state passed in, and start from "
                   "torch.tanh(model.z_to_hidden(z)) only when hidden is None")
DECODER_HIDDEN_2D = ("the decoder GRU's hidden state has shape (1, batch, hidden): unsqueeze(0) the start state "
                     "torch.tanh(model.z_to_hidden(z))")
DECODER_NO_Z = ("the decoder GRU reads embed_dim + latent_dim features at every step: concatenate z to each "
                "step's embedding, torch.cat([model.embed(inputs), z.unsqueeze(1).expand(-1, steps, -1)], dim=2)")
DECODER_CONCAT_DIM = ("z and the embeddings are concatenated along the wrong dimension: repeat z over the steps, "
                      "z.unsqueeze(1).expand(-1, steps, -1), and concatenate on the feature dimension (dim=2)")


def _run_decoder(model: torch.nn.Module, z: torch.Tensor, inputs: torch.Tensor, start: str = "tanh",
                 z_first: bool = False, hidden: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    if hidden is None:
        pre = model.z_to_hidden(z)
        hidden = {"tanh": torch.tanh(pre), "none": pre, "sigmoid": torch.sigmoid(pre),
                  "zeros": torch.zeros_like(pre)}[start].unsqueeze(0)
    emb, zs = model.embed(inputs), z.unsqueeze(1).expand(-1, inputs.shape[1], -1)
    out, hidden = model.decoder_rnn(torch.cat([zs, emb] if z_first else [emb, zs], dim=2), hidden)
    return model.to_logits(out), hidden


@torch.no_grad()
def decode_logits(model: torch.nn.Module, z: torch.Tensor, inputs: torch.Tensor) -> Catalogue:
    """The logits (batch, steps, vocab) each mistaken decoder computes in one call from z."""
    right = _run_decoder(model, z, inputs)[0]
    return {
        DECODER_NO_TANH: _run_decoder(model, z, inputs, start="none")[0],
        DECODER_SIGMOID: _run_decoder(model, z, inputs, start="sigmoid")[0],
        DECODER_ZERO_START: _run_decoder(model, z, inputs, start="zeros")[0],
        DECODER_Z_FIRST: _run_decoder(model, z, inputs, z_first=True)[0],
        DECODER_SOFTMAX: torch.softmax(right, dim=-1),
    }


@torch.no_grad()
def decode_logits_stepwise(model: torch.nn.Module, z: torch.Tensor, inputs: torch.Tensor) -> Catalogue:
    """Logits decoded one step per call, as a decoder that ignores the hidden state passed in gives them,
    from the second step on (batch, steps - 1, vocab): the first step starts from z either way."""
    steps = [_run_decoder(model, z, inputs[:, t:t + 1])[0] for t in range(1, inputs.shape[1])]
    return {DECODER_RESTART: torch.cat(steps, dim=1)}


def decoder_error(err: Exception) -> str:
    """The likely cause of an error raised inside ``decode_logits``."""
    text = str(err)
    if "hx" in text or "hidden" in text.lower():
        return DECODER_HIDDEN_2D
    if "input.size(-1)" in text:
        return DECODER_NO_Z
    if "Sizes of tensors must match" in text:
        return DECODER_CONCAT_DIM
    return "see the error above"


# -- 4. the sampler -------------------------------------------------------------------------------
SAMPLE_RESTART = ("the hidden state was restarted at every step: pass the hidden state returned by one "
                  "decode_logits call into the next, so each token depends on everything written before it")
SAMPLE_PREFIX_AND_HIDDEN = ("each step fed the whole prefix AND the carried hidden state, so the GRU read the "
                            "prefix twice: with the hidden state passed on, feed only the last token")
SAMPLE_NO_PAD_MASK = ("<pad> was not forbidden: set the logits of <pad>, <bos> and <mask> to -inf before choosing, "
                      "or a row can get <pad> before its <eos>")
SAMPLE_NO_SPECIAL_MASK = "<pad>, <bos> and <mask> must never be drawn: set their logits to -inf before choosing"
SAMPLE_EOS_OVERWRITTEN = ("the <eos> itself was overwritten with <pad>: mark a row finished *after* writing its <eos> "
                          "(replace by <pad> only the tokens of rows that had already finished before this step)")
SAMPLE_AFTER_EOS = ("tokens were still drawn after <eos>: once a row has produced <eos> it only receives <pad> "
                    "(masked_fill the rows already finished)")
SAMPLE_IGNORES_T = ("the temperature is ignored: draw from softmax(logits / temperature); T < 1 sharpens the "
                    "distribution, T > 1 flattens it")
SAMPLE_T_MULTIPLIES = "the logits were multiplied by the temperature; divide them: softmax(logits / temperature)"
SAMPLE_GREEDY_DIVIDES = ("temperature 0 means greedy: take logits.argmax(-1) when temperature == 0 instead of dividing "
                         "by 0 (which gives nan or inf probabilities)")
SAMPLE_NO_GENERATOR = ("two draws with identically seeded generators differ: pass generator=generator to "
                       "torch.multinomial so a seed reproduces the samples")
SAMPLE_SHAPE = ("return (n, max_len) even when every row has ended early: the positions after <eos> are <pad> "
                "(start from torch.full((n, max_len), PAD_ID))")


def _greedy(model: torch.nn.Module, z: torch.Tensor, max_len: int, feed: str = "last",
            forbid: tuple[int, ...] = (PAD_ID, BOS_ID, MASK_ID), overwrite_eos: bool = False) -> torch.Tensor:
    """A greedy sampling loop with one of the mistakes (``feed``: "last", "restart" or "prefix")."""
    ids = torch.full((z.shape[0], max_len), PAD_ID, dtype=torch.long, device=z.device)
    ids[:, 0] = BOS_ID
    finished = torch.zeros(z.shape[0], dtype=torch.bool, device=z.device)
    hidden = None
    for t in range(1, max_len):
        if feed == "restart":
            logits, _ = _run_decoder(model, z, ids[:, t - 1:t])
        elif feed == "prefix":
            logits, hidden = _run_decoder(model, z, ids[:, :t], hidden=hidden)
        else:
            logits, hidden = _run_decoder(model, z, ids[:, t - 1:t], hidden=hidden)
        logits = logits[:, -1].clone()
        logits[:, list(forbid)] = -float("inf")
        nxt = logits.argmax(-1)
        if overwrite_eos:
            finished |= nxt == EOS_ID
            nxt = nxt.masked_fill(finished, PAD_ID)
        else:
            nxt = nxt.masked_fill(finished, PAD_ID)
            finished |= nxt == EOS_ID
        ids[:, t] = nxt
        if finished.all():
            break
    return ids


@torch.no_grad()
def sample_greedy(model: torch.nn.Module, z: torch.Tensor, max_len: int) -> Catalogue:
    """Greedy ids (n, max_len) from each mistaken sampling loop (the decoder itself right)."""
    z = z.to(model.to_logits.weight.device)
    return {
        SAMPLE_RESTART: _greedy(model, z, max_len, feed="restart"),
        SAMPLE_PREFIX_AND_HIDDEN: _greedy(model, z, max_len, feed="prefix"),
        SAMPLE_NO_PAD_MASK: _greedy(model, z, max_len, forbid=(BOS_ID, MASK_ID)),
        SAMPLE_NO_SPECIAL_MASK: _greedy(model, z, max_len, forbid=()),
        SAMPLE_EOS_OVERWRITTEN: _greedy(model, z, max_len, overwrite_eos=True),
    }


def first_token_probabilities(bias: torch.Tensor, temperature: float) -> Catalogue:
    """The first-token distribution each mistaken sampler draws from when the logits are ``bias``."""
    def softmax(logits: torch.Tensor, forbid: list[int]) -> torch.Tensor:
        logits = logits.clone().float()
        logits[forbid] = -float("inf")
        return torch.softmax(logits, -1)

    specials = [PAD_ID, BOS_ID, MASK_ID]
    return {
        SAMPLE_IGNORES_T: softmax(bias, specials),
        SAMPLE_T_MULTIPLIES: softmax(bias * temperature, specials),
        SAMPLE_NO_PAD_MASK: softmax(bias / temperature, [BOS_ID, MASK_ID]),
    }


def sampler_error(err: Exception, temperature: float) -> str:
    """The likely cause of an error raised inside ``sample_tokens``."""
    if temperature == 0 and isinstance(err, (RuntimeError, ZeroDivisionError)):
        return SAMPLE_GREEDY_DIVIDES
    return "see the error above"


# -- 5. validity, uniqueness, novelty -------------------------------------------------------------
METRICS_EMPTY_VALID = ("the empty string counted as a molecule: Chem.MolFromSmiles('') returns an empty molecule, "
                       "not None, so test `s and Chem.MolFromSmiles(s) is not None`")
METRICS_COUNT = "you returned a count: return a share in [0, 1], the count divided by the number of samples"
UNIQUENESS_RAW = ("you compared the strings as written: 'CCO' and 'OCC' are one molecule; compare RDKit canonical "
                  "SMILES, Chem.MolToSmiles(mol)")
UNIQUENESS_OVER_ALL = ("you divided by the number of all samples: uniqueness is a share of the *valid* samples "
                       "(distinct valid / valid)")
NOVELTY_RAW = ("you compared the generated strings as written: the training SMILES are canonical, so canonicalise "
               "each valid sample with Chem.MolToSmiles before looking it up")
NOVELTY_NOT_DISTINCT = ("you counted every valid sample: novelty is a share of the *distinct* valid molecules "
                        "(a set of canonical SMILES)")
NOVELTY_OVER_ALL = "you divided by the number of all samples: novelty is a share of the distinct valid molecules"
NOVELTY_INVERTED = "you returned the share that IS in the training set: novelty counts those that are not"


def _canonical(s: str) -> str | None:
    from rdkit import Chem

    mol = Chem.MolFromSmiles(s) if isinstance(s, str) else None
    return Chem.MolToSmiles(mol) if mol is not None else None


def validity(samples: list[str]) -> Catalogue:
    """The validity each mistake reports."""
    valid = [s for s in samples if s and _canonical(s) is not None]
    with_empty = [s for s in samples if _canonical(s) is not None]
    n = max(len(samples), 1)
    return {METRICS_EMPTY_VALID: len(with_empty) / n, METRICS_COUNT: float(len(valid))}


def uniqueness(samples: list[str]) -> Catalogue:
    """The uniqueness each mistake reports."""
    pairs = [(s, c) for s in samples if s and (c := _canonical(s)) is not None]
    canon = [c for _, c in pairs]
    with_empty = [c for s in samples if (c := _canonical(s)) is not None]
    return {
        UNIQUENESS_RAW: len({s for s, _ in pairs}) / max(len(pairs), 1),
        UNIQUENESS_OVER_ALL: len(set(canon)) / max(len(samples), 1),
        METRICS_EMPTY_VALID: len(set(with_empty)) / max(len(with_empty), 1),
        METRICS_COUNT: float(len(set(canon))),
    }


def novelty(samples: list[str], training: set[str]) -> Catalogue:
    """The novelty each mistake reports."""
    pairs = [(s, c) for s in samples if s and (c := _canonical(s)) is not None]
    distinct = {c for _, c in pairs}
    raw = {s for s, _ in pairs}
    every = [c for _, c in pairs]
    with_empty = {c for s in samples if (c := _canonical(s)) is not None}
    new = len(distinct - set(training))
    return {
        NOVELTY_RAW: len(raw - set(training)) / max(len(raw), 1),
        NOVELTY_NOT_DISTINCT: sum(c not in training for c in every) / max(len(every), 1),
        NOVELTY_OVER_ALL: new / max(len(samples), 1),
        NOVELTY_INVERTED: 1 - new / max(len(distinct), 1),
        METRICS_EMPTY_VALID: len(with_empty - set(training)) / max(len(with_empty), 1),
        METRICS_COUNT: float(new),
    }


# -- 7. can_end -----------------------------------------------------------------------------------
CAN_END_COMPLETE = "a complete molecule may end: every branch and every ring is closed"
CAN_END_RING_OPEN = "a ring label is still open: each label (1-9, %10-%99) must have appeared an even number of times"
CAN_END_PERCENT = ("'%10' is a ring label too (labels are 1-9 and %10-%99) and here it is still open, or closed: "
                   "t.isdigit() is False for '%10', so test t.startswith('%') as well")
CAN_END_TOTAL_PARITY = ("each ring label must be closed on its own: two different labels opened once each make an "
                        "even total but leave both rings open; keep the set of open labels")
CAN_END_LABEL_ONCE = ("a label closed by its second use can open a new ring later: toggle the label (open <-> "
                      "closed) at each use instead of only collecting the labels seen")
CAN_END_BRACKET_DIGITS = ("the digit inside a bracket atom ([NH3+], [13CH4]) is a hydrogen count, charge or isotope, "
                          "not a ring label: only whole tokens 1-9 and %10-%99 are labels")
CAN_END_BRANCH_OPEN = "a branch is still open: every '(' needs its ')'"
CAN_END_NEGATIVE_DEPTH = ("a ')' came before its '(': a running count of open branches must never go below 0, "
                          "even if the totals balance")
CAN_END_LAST_BOND = ("the string cannot end on a bond or an open branch: check the last token against BOND_TOKENS "
                     "and '('")
CAN_END_EMPTY = "an empty string is not a molecule: can_end([]) is False"


# -- 8. interpolate -------------------------------------------------------------------------------
INTERPOLATE_NO_END = ("the last point is not z2: alpha runs from 0 to 1 with both ends included, "
                      "torch.linspace(0, 1, n_steps), not torch.arange(n_steps) / n_steps")
INTERPOLATE_NO_START = "the first point is not z1: alpha runs from 0 (z1) to 1 (z2), both ends included"
INTERPOLATE_SWAPPED = "the path runs from z2 to z1: z_alpha = (1 - alpha) * z1 + alpha * z2 starts at z1"
INTERPOLATE_COUNT = "the path needs exactly n_steps points, both ends included: torch.linspace(0, 1, n_steps)"
INTERPOLATE_BROADCAST = ("alpha must be a column, shape (n_steps, 1), so that alpha * z2 broadcasts to "
                         "(n_steps, latent_dim): alpha.unsqueeze(1)")


def interpolate(z1: torch.Tensor, z2: torch.Tensor, n_steps: int) -> Catalogue:
    """The paths (n_steps, latent_dim) each mistake gives."""
    z1, z2 = torch.as_tensor(z1, dtype=torch.float64), torch.as_tensor(z2, dtype=torch.float64)

    def path(alpha: torch.Tensor) -> torch.Tensor:
        alpha = alpha.double().unsqueeze(1)
        return (1 - alpha) * z1 + alpha * z2

    return {
        INTERPOLATE_NO_END: path(torch.arange(n_steps) / n_steps),
        INTERPOLATE_NO_START: path(torch.arange(1, n_steps + 1) / n_steps),
        INTERPOLATE_SWAPPED: path(torch.linspace(1, 0, n_steps)),
        INTERPOLATE_COUNT: path(torch.linspace(0, 1, n_steps + 1)),
        INTERPOLATE_COUNT + " (here n_steps - 1)": path(torch.linspace(0, 1, n_steps - 1)),
    }
