"""Calculated query cost of the GraphQL Admin API (shopify.dev "API rate limits", channel-apis.md
§1.2): scalars and enums cost 0, objects 1, a connection ``2 + n × (cost of one node)`` where
``n`` is ``first``/``last`` (requested) or the number of nodes returned (actual), every
mutation root field 10. Interfaces and unions cost their most expensive possible selection;
lists of objects cost one element. ``nodes(ids:)`` costs one node per id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values

MUTATION_COST = 10
MAX_QUERY_COST = 1000

Fragments = dict[str, FragmentDefinitionNode]


def is_connection(type_: Any) -> bool:
    """A Relay connection type (``OrderConnection``…): has ``pageInfo`` and ``edges``/``nodes``."""
    named = get_named_type(type_)
    return (
        isinstance(named, GraphQLObjectType)
        and named.name.endswith("Connection")
        and "pageInfo" in named.fields
    )


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, fragments: Fragments, variables: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def grouped(
        self, selection_set: SelectionSetNode | None, parent: Any
    ) -> dict[str | None, dict[str, tuple[Any, list[FieldNode]]]]:
        """Fields by type condition (``None``: applies to every possible type), merged by
        response key: ``{condition: {key: (parent type, [field nodes])}}``."""
        groups: dict[str | None, dict[str, tuple[Any, list[FieldNode]]]] = defaultdict(dict)
        self._collect(selection_set, parent, None, groups)
        return groups

    def _collect(
        self,
        selection_set: SelectionSetNode | None,
        parent: Any,
        condition: str | None,
        groups: dict[str | None, dict[str, tuple[Any, list[FieldNode]]]],
    ) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                entry = groups[condition].setdefault(key, (parent, []))
                entry[1].append(selection)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None:
                    continue
                type_name, sub = fragment.type_condition.name.value, fragment.selection_set
            elif isinstance(selection, InlineFragmentNode):
                type_name = (
                    selection.type_condition.name.value if selection.type_condition else None
                )
                sub = selection.selection_set
            else:
                continue
            target = self.schema.get_type(type_name) if type_name else parent
            inner = condition
            if target is not None and not is_abstract_type(target) and target is not parent:
                inner = target.name
            self._collect(sub, target or parent, inner, groups)

    def field_def(self, parent: Any, node: FieldNode) -> GraphQLField | None:
        fields = getattr(parent, "fields", None) or {}
        return fields.get(node.name.value)

    def args(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(definition, node, self.variables)
        except GraphQLError:
            return {}

    @staticmethod
    def merged(nodes: list[FieldNode]) -> SelectionSetNode:
        selections: list[Any] = []
        for node in nodes:
            if node.selection_set is not None:
                selections.extend(node.selection_set.selections)
        return SelectionSetNode(selections=tuple(selections))


class _Requested(_Walker):
    def selection(self, selection_set: SelectionSetNode | None, parent: Any) -> int:
        groups = self.grouped(selection_set, parent)
        common = self._fields(groups.pop(None, {}).values())
        specific = [self._fields(group.values()) for group in groups.values()]
        return common + max(specific, default=0)

    def _fields(self, entries: Iterable[tuple[Any, list[FieldNode]]]) -> int:
        return sum(self.field(parent, nodes) for parent, nodes in entries)

    def field(self, parent: Any, nodes: list[FieldNode]) -> int:
        definition = self.field_def(parent, nodes[0])
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        args = self.args(definition, nodes[0])
        if is_connection(named):
            size = args.get("first") or args.get("last") or 0
            return 2 + size * self.node_cost(self.merged(nodes), named)
        per_item = 1 + self.selection(self.merged(nodes), named)
        if nodes[0].name.value == "nodes" and "ids" in args:
            return per_item * len(args["ids"] or [])
        return per_item

    def node_cost(self, selection_set: SelectionSetNode, connection_type: Any) -> int:
        """Cost of one node of a connection (through ``edges { node }`` and/or ``nodes``)."""
        total = 0
        for parent, nodes in self.grouped(selection_set, connection_type).get(None, {}).values():
            name = nodes[0].name.value
            definition = self.field_def(parent, nodes[0])
            if definition is None:
                continue
            if name == "nodes":
                total += 1 + self.selection(self.merged(nodes), get_named_type(definition.type))
            elif name == "edges":
                edge_type = get_named_type(definition.type)
                for edge_parent, edge_nodes in (
                    self.grouped(self.merged(nodes), edge_type).get(None, {}).values()
                ):
                    edge_field = self.field_def(edge_parent, edge_nodes[0])
                    if edge_nodes[0].name.value == "node" and edge_field is not None:
                        total += 1 + self.selection(
                            self.merged(edge_nodes), get_named_type(edge_field.type)
                        )
        return total


class _Actual(_Walker):
    def selection(self, selection_set: SelectionSetNode | None, parent: Any, value: Any) -> int:
        if not isinstance(value, dict):
            return 0
        seen: dict[str, tuple[Any, list[FieldNode]]] = {}
        for group in self.grouped(selection_set, parent).values():
            for key, (field_parent, nodes) in group.items():
                entry = seen.setdefault(key, (field_parent, []))
                entry[1].extend(nodes)
        return sum(
            self.field(field_parent, nodes, value[key])
            for key, (field_parent, nodes) in seen.items()
            if key in value
        )

    def field(self, parent: Any, nodes: list[FieldNode], value: Any) -> int:
        definition = self.field_def(parent, nodes[0])
        if definition is None or value is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        if is_connection(named):
            return 2 + self.connection_nodes(self.merged(nodes), named, value)
        sub = self.merged(nodes)
        if isinstance(value, list):
            costs = [1 + self.selection(sub, named, item) for item in value if item is not None]
            if nodes[0].name.value == "nodes" and parent is self.schema.query_type:
                return sum(costs)
            return max(costs, default=0)
        return 1 + self.selection(sub, named, value)

    def connection_nodes(self, selection_set: SelectionSetNode, type_: Any, value: Any) -> int:
        total = 0
        for key, (parent, nodes) in self.grouped(selection_set, type_).get(None, {}).items():
            definition = self.field_def(parent, nodes[0])
            items = value.get(key) if isinstance(value, dict) else None
            if definition is None or not items:
                continue
            item_type = get_named_type(definition.type)
            if nodes[0].name.value == "nodes":
                total += sum(1 + self.selection(self.merged(nodes), item_type, n) for n in items)
            elif nodes[0].name.value == "edges":
                for edge in items:
                    total += self.edge(self.merged(nodes), item_type, edge)
        return total

    def edge(self, selection_set: SelectionSetNode, edge_type: Any, edge: Any) -> int:
        total = 0
        for key, (parent, nodes) in self.grouped(selection_set, edge_type).get(None, {}).items():
            definition = self.field_def(parent, nodes[0])
            if nodes[0].name.value == "node" and definition is not None and edge.get(key):
                node_type = get_named_type(definition.type)
                total += 1 + self.selection(self.merged(nodes), node_type, edge[key])
        return total


def requested_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Fragments,
    variables: dict[str, Any],
) -> int:
    """Cost Shopify would reserve before running ``operation``."""
    if operation.operation == OperationType.MUTATION:
        return MUTATION_COST * len(operation.selection_set.selections)
    return _Requested(schema, fragments, variables).selection(
        operation.selection_set, schema.query_type
    )


def actual_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Fragments,
    variables: dict[str, Any],
    data: dict[str, Any] | None,
) -> int:
    """Cost of what was actually returned (connections count the nodes in ``data``)."""
    if operation.operation == OperationType.MUTATION:
        return MUTATION_COST * len(operation.selection_set.selections)
    return _Actual(schema, fragments, variables).selection(
        operation.selection_set, schema.query_type, data or {}
    )


def max_cost_error(cost: int) -> dict[str, Any]:
    """Shopify's ``MAX_COST_EXCEEDED`` error object (message as the API sends it)."""
    return {
        "message": (
            f"Query cost is {cost}, which exceeds the single query max cost limit "
            f"({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits "
            "for more information on how the\ncost of a query is calculated.\n\nTo query larger "
            "amounts of data with fewer limits, bulk operations should be used instead.\nSee "
            "https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage "
            "details.\n"
        ),
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": MAX_QUERY_COST},
    }
