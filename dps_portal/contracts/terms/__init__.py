"""Terms and conditions: versions the contracts officers publish, and the provider's signed
acceptance with its Provider Agreement."""
