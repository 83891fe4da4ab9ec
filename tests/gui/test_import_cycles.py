"""gui/ has no import cycles: each package only imports downwards (see pyproject's contracts)."""

import grimp


def test_gui_has_no_import_cycles():
    graph = grimp.build_graph("gui", "engine")
    modules = sorted(m for m in graph.modules if m.startswith("gui"))
    cycles = []
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("gui") and graph.chain_exists(imported, module):
                cycles.append((module, imported))
    assert cycles == []
