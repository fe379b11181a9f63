"""The knowledge loop: solved threads saved as documents, the questions docbot couldn't answer (knowledge gaps)
grouped by meaning, and the digest that posts them."""
