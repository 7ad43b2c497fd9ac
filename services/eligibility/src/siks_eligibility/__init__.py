"""Programme eligibility and targeting (penetapan sasaran): who may receive PKH, Sembako, PBI JK and PIP."""
