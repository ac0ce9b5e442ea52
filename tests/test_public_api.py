import screening


def test_public_api_is_exactly_all() -> None:
    public = {n for n in dir(screening) if not n.startswith("_")}
    modules = {
        "cli",
        "conditions",
        "decision",
        "engine",
        "errors",
        "facts",
        "project",
        "report",
        "rulepack",
        "screener",
        "vocabulary",
        "vocabulary_doc",
        "yaml_source",
        "casesuite",
    }
    assert public - modules == set(screening.__all__)
