"""Model output as markdown: a finished message's, and the reply in progress's finished blocks.

``model_markdown`` renders untrusted model output with ``rx.markdown(..., use_raw=False)``:
raw HTML in a reply is shown as text, never parsed, so it cannot run script (DESIGN.md).

While a reply streams, the server says where each finished block ends (chat/markdown/
blocks.py; the offsets ride in the append calls). assets/terminal.js cuts those blocks from
the text it holds and hands them to ``NtLiveMarkdown`` in a ``nt-live-blocks`` event. The
component keeps them in a list that only grows and draws each block once, memoised, with
exactly a finished message's renderer (react-markdown, the same plugins and component map, no
raw HTML), so a block looks the same before and after the reply completes. Blocks are joined
by the newline text react-markdown puts between a whole document's blocks: the live DOM is a
prefix of the finished message's. After each commit (before the browser paints) it tells
terminal.js how many blocks it drew, so their plain text leaves the tail in the same frame.
"""

from __future__ import annotations

from functools import cache

import reflex as rx
from reflex.vars import Var
from reflex_base.components.component import Component
from reflex_base.utils import imports

_BLOCK_TEXT: Var[str] = Var(_js_expr="text", _var_type=str)


def model_markdown(text: rx.Var[str] | str) -> rx.Component:
    """Markdown for untrusted model output: no raw HTML."""
    component: rx.Component = rx.markdown(text, use_raw=False, class_name="nt-md")
    return component


@cache
def _template() -> Component:
    """A finished message's markdown, drawing the variable ``text`` (for its code)."""
    return model_markdown(_BLOCK_TEXT)


def _block_jsx() -> str:
    # The wrapper is the Div(class nt-md); its one child is react-markdown itself.
    return str(_template().children[0])


_COMPONENT = """
const NtLiveBlock = memo(
  function NtLiveBlock({ text }) {
    return (%(block)s);
  },
  (before, after) => before.text === after.text,
);

// What terminal.js has finished of reply ``id`` (nothing from a page script without blocks).
const ntLiveBlocksOf = (id) => window.ntLive?.blocksOf?.(id) ?? [];

function NtLiveMarkdown({ messageId, ...rest }) {
  const [blocks, setBlocks] = useState(() => ntLiveBlocksOf(messageId));
  useEffect(() => {
    setBlocks(ntLiveBlocksOf(messageId));
    const listen = (event) => {
      if (event.detail.id === messageId) setBlocks(event.detail.blocks);
    };
    document.addEventListener("nt-live-blocks", listen);
    return () => document.removeEventListener("nt-live-blocks", listen);
  }, [messageId]);
  useLayoutEffect(() => {
    window.ntLive?.drawn?.(messageId, blocks.length);
  }, [messageId, blocks]);
  const children = [];
  blocks.forEach((text, index) => {
    if (index) children.push("\\n");
    children.push(jsx(NtLiveBlock, { key: index, text }));
  });
  return jsx("div", rest, children);
}
"""


class LiveMarkdown(rx.Component):
    """``<NtLiveMarkdown>``: defined in this page's code, not imported from a package."""

    tag = "NtLiveMarkdown"
    library = None

    message_id: Var[int]

    def add_imports(self) -> imports.ImportDict:
        """React's hooks, and the emotion ``jsx`` the page's other components use."""
        hooks: list[str | imports.ImportVar] = ["memo", "useState", "useEffect", "useLayoutEffect"]
        return {"react": hooks, "@emotion/react": "jsx"}

    def add_custom_code(self) -> list[str]:
        """The markdown renderer's own code (its component map), then this component."""
        return [*_template()._get_all_custom_code(), _COMPONENT % {"block": _block_jsx()}]

    def _get_all_imports(self, collapse: bool = False) -> imports.ParsedImportDict:
        return imports.merge_imports(
            super()._get_all_imports(collapse=collapse), _template()._get_all_imports()
        )


def live_markdown(message_id: Var[int] | int) -> Component:
    """The finished blocks of reply ``message_id`` while it streams (``#live-blocks``)."""
    return LiveMarkdown.create(message_id=message_id, id="live-blocks", class_name="nt-md")
