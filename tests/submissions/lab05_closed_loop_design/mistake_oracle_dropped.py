# base: solution
# mistake: invalid strings dropped from the scores
# caught: visible oracle_test
# named: you dropped the invalid strings
# %% oracle_answer
def qed_oracle(smiles_list):
    out = []
    for s in smiles_list:
        mol = Chem.MolFromSmiles(s) if s else None
        if mol is not None:
            out.append(QED.qed(mol))
    return np.array(out, dtype=float)
