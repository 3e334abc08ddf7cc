# base: solution
# mistake: a list returned
# caught: visible oracle_test
# named: return a NumPy array
# %% oracle_answer
def qed_oracle(smiles_list):
    out = []
    for s in smiles_list:
        mol = Chem.MolFromSmiles(s) if s else None
        out.append(QED.qed(mol) if mol is not None else 0.0)
    return out
