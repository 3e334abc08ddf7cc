# base: solution
# mistake: only the first hidden size is used
# caught: hidden encoder_test
# named: expected 2 hidden + 2 head Linear layers
# %% encoder_answer
class Encoder(nn.Module):
    def __init__(self, input_dim, hidden_dims, latent_dim):
        super().__init__()
        size = hidden_dims[0] if hidden_dims else input_dim
        self.body = nn.Sequential(nn.Linear(input_dim, size), nn.ReLU()) if hidden_dims else nn.Identity()
        self.mu = nn.Linear(size, latent_dim)
        self.logvar = nn.Linear(size, latent_dim)

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)
