import { Link } from "react-router";
import FlowEditor from "./flow-editor";

const TEMPLATE = `id: hello
namespace: company.team
inputs:
  - id: name
    type: STRING
    defaults: World
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }}"
`;

export default function NewFlowPage() {
  return (
    <>
      <div className="crumbs">
        <Link to="/flows">Flows</Link>
      </div>
      <div className="page-head">
        <h1>New flow</h1>
      </div>
      <FlowEditor initial={TEMPLATE} />
    </>
  );
}
