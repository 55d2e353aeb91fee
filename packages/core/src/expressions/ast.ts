export type Node =
  | { type: "literal"; value: unknown }
  | { type: "name"; name: string }
  | { type: "member"; object: Node; property: Node; computed: boolean }
  | { type: "call"; callee: string; args: Node[]; named: Record<string, Node> }
  | { type: "filter"; input: Node; name: string; args: Node[]; named: Record<string, Node> }
  | { type: "unary"; op: string; operand: Node }
  | { type: "binary"; op: string; left: Node; right: Node }
  | { type: "test"; subject: Node; test: string; negated: boolean; args: Node[] }
  | { type: "ternary"; cond: Node; then: Node; else: Node }
  | { type: "list"; items: Node[] }
  | { type: "map"; entries: Array<[Node, Node]> };
