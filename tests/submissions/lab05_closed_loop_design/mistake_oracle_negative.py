# base: solution
# mistake: invalid molecules score -1
# caught: visible oracle_test
# named: invalid molecules score -1
# %% oracle_answer
def qed_oracle(smiles_list):
    out = []
    for s in smiles_list:
        mol = Chem.MolFromSmiles(s) if s else None
        out.append(QED.qed(mol) if mol is not None else -1.0)
    return np.array(out, dtype=float)
