"""A study's codebook as a REFI-QDA codebook (.qdc): the same code tree and GUIDs as its project (.qdpx).

Small (a study has tens of terms and tags, hundreds of insights at most), so built as one string.
"""
from fieldnotes.exports.refi_qda import CODEBOOK_NS, ORIGIN, attrs, code_tree
from fieldnotes.visits.names import NameGuard


def codebook_xml(study_id):
    tree = code_tree(study_id, NameGuard.of_study(study_id))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<CodeBook xmlns="{CODEBOOK_NS}"{attrs(origin=ORIGIN)}>\n'
            f"\t<Codes>\n{tree.xml(2)}\t</Codes>\n</CodeBook>\n")
