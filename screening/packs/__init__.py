"""Rule packs as data: vocabulary, industry codes, condition trees, the directory and local packs, their cases."""
