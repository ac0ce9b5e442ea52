"""Stage 1, load project: the project model, its validation against the vocabulary, and its site."""
