# base: solution
# mistake: invalid molecules score nan
# caught: visible oracle_test
# named: (not nan)
# %% oracle_answer
def qed_oracle(smiles_list):
    out = []
    for s in smiles_list:
        mol = Chem.MolFromSmiles(s) if s else None
        out.append(QED.qed(mol) if mol is not None else float("nan"))
    return np.array(out, dtype=float)
