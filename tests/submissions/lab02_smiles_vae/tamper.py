# base: solution
# A broken answer whose test is emptied, a deleted test, and inflated points elsewhere.
# Graded as if untouched: the broken pieces score 0 and the maximum stays the same.
# %% metrics_answer
def validity(smiles_list):
    return 1.0  # wrong: every string counts as a molecule


def uniqueness(smiles_list):
    canon = [Chem.MolToSmiles(m) for m in (Chem.MolFromSmiles(s) for s in smiles_list if s) if m is not None]
    return len(set(canon)) / len(canon) if canon else 0.0


def novelty(smiles_list, training_smiles):
    canon = {Chem.MolToSmiles(m) for m in (Chem.MolFromSmiles(s) for s in smiles_list if s) if m is not None}
    return len(canon - set(training_smiles)) / len(canon) if canon else 0.0
# %% metrics_test
pass
# %% interpolate_answer
def interpolate(z1, z2, n_steps):
    return torch.stack([z1] * (n_steps - 1) + [z2])  # wrong: jumps at the last step
# %% interpolate_test delete
# %% tokenize_test points=50
