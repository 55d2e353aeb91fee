export type Node =
  /** `float`: a number written with a fraction or an exponent (a Double in Pebble, even `2.0`) */
  | { type: "literal"; value: unknown; float?: boolean }
  | { type: "name"; name: string }
  | { type: "member"; object: Node; property: Node; computed: boolean }
  | { type: "call"; callee: string; args: Node[]; named: Record<string, Node> }
  | { type: "filter"; input: Node; name: string; args: Node[]; named: Record<string, Node> }
  | { type: "unary"; op: string; operand: Node }
  | { type: "binary"; op: string; left: Node; right: Node }
  | { type: "test"; subject: Node; test: string; negated: boolean; args: Node[] }
  | { type: "ternary"; cond: Node; then: Node; else: Node }
  | { type: "list"; items: Node[] }
  | { type: "map"; entries: Array<[Node, Node]> }
  /** a double-quoted string with `#{…}` interpolations: its pieces printed and joined */
  | { type: "concat"; parts: Node[] };

/** A node's sub-expressions, in the order they are evaluated (and checked). */
export function childrenOf(node: Node): Node[] {
  switch (node.type) {
    case "literal":
    case "name":
      return [];
    case "member":
      return [node.object, node.property];
    case "call":
      return [...node.args, ...Object.values(node.named)];
    case "filter":
      return [node.input, ...node.args, ...Object.values(node.named)];
    case "unary":
      return [node.operand];
    case "binary":
      return [node.left, node.right];
    case "test":
      return [node.subject, ...node.args];
    case "ternary":
      return [node.cond, node.then, node.else];
    case "list":
      return node.items;
    case "map":
      return node.entries.flat();
    case "concat":
      return node.parts;
  }
}
