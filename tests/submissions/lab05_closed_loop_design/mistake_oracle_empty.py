# base: solution
# mistake: the empty string parsed and scored (no `if s`)
# caught: visible oracle_test
# named: the empty string was scored
# %% oracle_answer
def qed_oracle(smiles_list):
    out = []
    for s in smiles_list:
        mol = Chem.MolFromSmiles(s)
        out.append(QED.qed(mol) if mol is not None else 0.0)
    return np.array(out, dtype=float)
