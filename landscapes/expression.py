"""A safe compiler for a surface typed by a teacher: ``compile_expression("x**2 + 3*sin(y)")(p)``.

The text is parsed with ``ast`` and only whitelisted syntax is turned into jax.numpy closures of (x, y);
nothing typed is ever run by Python (no eval, exec or compile). Allowed: numbers, x, y, the constants pi
and e, + - * / **, unary minus and plus, parentheses, and calls of ``FUNCTIONS`` with positional arguments.
Anything else raises ValueError with a one-line message a page can show as it is, with a 1-based column
counted in the text as typed.

Decisions:
- An optional leading "J =" or "J(x, y) =" is dropped, as is surrounding whitespace.
- Unicode: "−" is read as "-" and "×", "·", "⋅" as "*" (one character for one, so columns stay right).
  Every other character outside printable ASCII is refused before parsing: a look-alike letter (Cyrillic
  "х", Greek "ο") is an unknown name, never x, and "²", "³", "π", "√" get a hint. Refusing before
  parsing matters: Python's parser would quietly read letters such as "𝑥" as "x" (NFKC).
- Quotes, backslashes and "#" are refused before parsing too: no string or comment can be written.
- "^" is XOR in Python, so it is refused with "use ** for powers, not ^" rather than guessed at.
- Limits: at most 300 characters (checked first, so a huge text costs nothing), 60 brackets (so the
  parser never nests deeply), 200 parts, 32 levels of nesting, numbers of size at most 1,000,000, and an
  exponent without x or y of size at most 10 (so 9**9**9 and x**1000 are refused, never computed).
- An exponent with x or y in it (x**y) is allowed. Like sqrt(x) at x < 0 it may give NaN, which the
  page shows as a value of the surface, not as an error. nan and inf are not names.
"""

import ast
import math
import re
from types import MappingProxyType

import jax
import jax.numpy as jnp

MAX_LENGTH = 300
_MAX_BRACKETS = 60
_MAX_PARTS = 200
_MAX_DEPTH = 32
_MAX_NUMBER = 1_000_000
_MAX_EXPONENT = 10

FUNCTIONS = MappingProxyType({
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "exp": jnp.exp, "log": jnp.log, "sqrt": jnp.sqrt,
    "abs": jnp.abs, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid,
    "minimum": jnp.minimum, "maximum": jnp.maximum,
})
_ARITY = {"minimum": 2, "maximum": 2}  # every other function takes one argument
CONSTANTS = MappingProxyType({"pi": math.pi, "e": math.e})
_VARIABLES = ("x", "y")

_LOOKALIKES = str.maketrans({"−": "-", "×": "*", "·": "*", "⋅": "*"})
_HINTS = {"²": "**2", "³": "**3", "π": "pi", "√": "sqrt(...)"}
_PREFIX = re.compile(r"\s*(?:J\s*(?:\(\s*x\s*,\s*y\s*\)\s*)?=(?!=)\s*)?")
_REFUSED_CHARACTER = re.compile(r"[^ -~]|[\"'\\#]")
_LONE_EQUALS = re.compile(r"(?<![=!<>:])=(?!=)")
_PYTHON_HINT = re.compile(r"\. (?:Maybe|Perhaps|Did) .*$")  # Python's suggestions speak of Python syntax
_PLAIN_WORDS = {"invalid decimal literal": "a number runs into a letter (write 2*x, not 2x)"}

_OPERATORS = {ast.Add: jnp.add, ast.Sub: jnp.subtract, ast.Mult: jnp.multiply, ast.Div: jnp.divide}
_SYMBOLS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
            ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
_FORBIDDEN = {
    ast.Attribute: "'.' (attribute access)", ast.Subscript: "'[...]' (indexing)", ast.Lambda: "'lambda'",
    ast.IfExp: "'if ... else'", ast.Compare: "a comparison", ast.BoolOp: "'and' / 'or'",
    ast.NamedExpr: "':='", ast.JoinedStr: "an f-string", ast.Starred: "'*' unpacking",
    ast.Tuple: "a comma outside a function call", ast.List: "a list", ast.Set: "a set", ast.Dict: "a dict",
    **dict.fromkeys((ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp), "a comprehension ('for')"),
}

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_LENGTH", "compile_expression"]


def compile_expression(text):
    """The surface typed in ``text`` as a jax function of p = (x, y); ValueError says what is wrong."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    text = text.translate(_LOOKALIKES)
    offset = _PREFIX.match(text).end()
    source = text[offset:].rstrip()
    if not source:
        raise ValueError("the formula is empty")
    _check_characters(source, offset)
    brackets = sum(map(source.count, "([{"))
    if brackets > _MAX_BRACKETS:
        raise ValueError(f"too many brackets ({brackets}; at most {_MAX_BRACKETS})")
    tree = _parsed(source, offset)
    parts = sum(isinstance(node, ast.expr) for node in ast.walk(tree))
    if parts > _MAX_PARTS:
        raise ValueError(f"the formula has too many parts ({parts}; at most {_MAX_PARTS})")
    formula = _Compiler(source, offset).build(tree.body, depth=1)

    def surface(p):
        return jnp.asarray(formula(p[0], p[1]))

    surface.__name__ = surface.__qualname__ = source
    surface.__doc__ = f"J(x, y) = {source}"
    return surface


def _check_characters(source, offset):
    """Refuse characters outside printable ASCII, quotes, backslashes and '#', before any parsing."""
    match = _REFUSED_CHARACTER.search(source)
    if match is None:
        return
    char, index = match.group(), match.start()
    if char in _HINTS:
        raise ValueError(f"write {_HINTS[char]} instead of {char!r} at column {offset + index + 1}")
    if char.isalpha():
        word = next(word for word in re.finditer(r"\w+", source) if word.start() <= index < word.end())
        raise ValueError(f"unknown name {word.group()!r} at column {offset + word.start() + 1} "
                         "(only the plain letters a-z can be used)")
    raise ValueError(f"the character {char!r} at column {offset + index + 1} is not allowed")


def _parsed(source, offset):
    """The syntax tree of ``source``, or a ValueError pointing at its syntax error."""
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as error:
        equals = _LONE_EQUALS.search(source)
        if equals:
            raise ValueError(f"'=' is not allowed at column {offset + equals.start() + 1} "
                             "(type the formula alone, or after 'J(x, y) =')") from None
        position = error.offset or len(source) + 1  # 0 or None: the text ended too early
        message = _PYTHON_HINT.sub("", error.msg)
        message = _PLAIN_WORDS.get(message, message)
        raise ValueError(f"syntax error at column {offset + position}: {message}") from None


class _Compiler:
    """Builds closures of (x, y) from a parsed formula, refusing everything off the whitelist."""

    def __init__(self, source, offset):
        self.source, self.offset = source, offset

    def column(self, index):
        """The 1-based column, in the text as typed, of ``index`` in the source."""
        return self.offset + index + 1

    def build(self, node, depth):
        """The closure computing ``node``, which lies ``depth`` levels deep."""
        if depth > _MAX_DEPTH:
            raise ValueError(f"the formula is nested too deeply at column {self.column(node.col_offset)} "
                             f"(at most {_MAX_DEPTH} levels)")
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, depth)
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        what = _FORBIDDEN.get(type(node), f"'{type(node).__name__}'")
        index = (self.source.find(".", node.value.end_col_offset) if isinstance(node, ast.Attribute)
                 else node.col_offset)
        raise ValueError(f"{what} is not allowed at column {self.column(index)}")

    def number(self, node):
        """A literal number, as a float (never a Python int, whose arithmetic has no bound)."""
        value, column = node.value, self.column(node.col_offset)
        if isinstance(value, bool) or not isinstance(value, int | float):
            what = "a complex number" if isinstance(value, complex) else repr(value)
            raise ValueError(f"{what} is not allowed at column {column}")
        if not abs(value) <= _MAX_NUMBER:  # also refuses inf, from a literal such as 1e999
            raise ValueError(f"number too large at column {column} (at most {_MAX_NUMBER:,})")
        value = float(value)
        return lambda x, y: value

    def name(self, node):
        """x, y, or a constant."""
        if node.id == "x":
            return lambda x, y: x
        if node.id == "y":
            return lambda x, y: y
        if node.id in CONSTANTS:
            value = CONSTANTS[node.id]
            return lambda x, y: value
        hint = f" (write {node.id}(...))" if node.id in FUNCTIONS else ""
        raise ValueError(f"unknown name {node.id!r} at column {self.column(node.col_offset)}{hint}")

    def unary(self, node, depth):
        """Unary minus or plus."""
        if not isinstance(node.op, ast.USub | ast.UAdd):
            symbol = "not" if isinstance(node.op, ast.Not) else "~"
            raise ValueError(f"'{symbol}' is not allowed at column {self.column(node.col_offset)}")
        operand = self.build(node.operand, depth + 1)
        if isinstance(node.op, ast.UAdd):
            return operand
        return lambda x, y: -operand(x, y)

    def binary(self, node, depth):
        """+ - * / and **."""
        if isinstance(node.op, ast.Pow):
            return self.power(node, depth)
        if type(node.op) not in _OPERATORS:
            symbol = _SYMBOLS[type(node.op)]
            column = self.column(self.source.find(symbol, node.left.end_col_offset))
            if symbol == "^":
                raise ValueError(f"use ** for powers, not ^ (column {column})")
            raise ValueError(f"'{symbol}' is not allowed at column {column}")
        operator = _OPERATORS[type(node.op)]
        left, right = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
        return lambda x, y: operator(left(x, y), right(x, y))

    def power(self, node, depth):
        """base ** exponent, where an exponent without x or y is a number of size at most 10."""
        base, exponent = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
        if any(isinstance(part, ast.Name) and part.id in _VARIABLES for part in ast.walk(node.right)):
            return lambda x, y: jnp.power(base(x, y), exponent(x, y))
        value = float(exponent(0.0, 0.0))  # its parts are checked, so this is small and quick
        if not abs(value) <= _MAX_EXPONENT:
            raise ValueError(f"exponent too large at column {self.column(node.right.col_offset)} "
                             f"(at most {_MAX_EXPONENT})")
        # A whole exponent stays an int, so x**2 is x*x: exact, and defined for negative x.
        power = int(value) if value.is_integer() else value
        return lambda x, y: jnp.power(base(x, y), power)

    def call(self, node, depth):
        """A whitelisted function called with the right number of positional arguments."""
        if not isinstance(node.func, ast.Name):
            self.build(node.func, depth + 1)  # refuses an attribute, a lambda, an unknown name...
            index = self.source.find("(", node.func.end_col_offset)
            raise ValueError(f"'(' at column {self.column(index)} follows something that is not a function "
                             "(write * to multiply)")
        name, column = node.func.id, self.column(node.col_offset)
        if name not in FUNCTIONS:
            if name in _VARIABLES or name in CONSTANTS:
                raise ValueError(f"{name!r} is not a function at column {column} "
                                 f"(write {name}*(...) to multiply)")
            raise ValueError(f"unknown function {name!r} at column {column}")
        if node.keywords:
            keyword = self.column(node.keywords[0].col_offset)
            raise ValueError(f"keyword arguments (name=value) are not allowed at column {keyword}")
        arity = _ARITY.get(name, 1)
        if len(node.args) != arity:
            plural = "" if arity == 1 else "s"
            raise ValueError(f"{name} takes {arity} argument{plural}, got {len(node.args)} (column {column})")
        function = FUNCTIONS[name]
        arguments = [self.build(argument, depth + 1) for argument in node.args]
        return lambda x, y: function(*(argument(x, y) for argument in arguments))
