# base: solution
# mistake: uniqueness on the strings as written
# caught: visible metrics_test
# named: compared the strings as written
# %% metrics_answer
def validity(smiles_list):
    if not smiles_list:
        return 0.0
    ok = [s for s in smiles_list if s and Chem.MolFromSmiles(s) is not None]
    return len(ok) / len(smiles_list)


def uniqueness(smiles_list):
    mols = [Chem.MolFromSmiles(s) for s in smiles_list if s]
    canon = [s for s, m in zip([s for s in smiles_list if s], mols, strict=True) if m is not None]
    return len(set(canon)) / len(canon) if canon else 0.0


def novelty(smiles_list, training_smiles):
    mols = [Chem.MolFromSmiles(s) for s in smiles_list if s]
    canon = {Chem.MolToSmiles(m) for m in mols if m is not None}
    return len(canon - set(training_smiles)) / len(canon) if canon else 0.0
