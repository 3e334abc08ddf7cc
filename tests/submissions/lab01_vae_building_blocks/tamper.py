# base: solution
# Two broken answers whose tests are tampered with, and inflated points elsewhere.
# Graded as if untouched: the broken pieces score 0 and the maximum stays the same.
# %% reparameterize_answer
def reparameterize(mu, logvar):
    std = torch.exp(logvar)  # wrong: this is sigma^2, not sigma
    return mu + std * torch.randn_like(std)
# %% reparameterize_test
pass
# %% decoder_answer
class Decoder(nn.Module):
    def __init__(self, latent_dim, hidden_dims, output_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent_dim, output_dim), nn.Sigmoid())  # probabilities, not logits

    def forward(self, z):
        return self.net(z)
# %% decoder_test delete
# %% encoder_test points=100
