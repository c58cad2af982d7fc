/**
 * What a public query may ask for, checked on the parsed document before Subsquid's server sees
 * it. Subsquid caps root fields and response nodes, but not aliases below the root, depth, or the
 * number of SQL queries and rows a document fans out to: one document with 1,000 aliased
 * `votes(limit: 90)` stayed under the node cap and held the database for seconds.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

export interface QueryLimits {
  /** Aliased fields in the whole document (fragments expanded). */
  maxAliases: number;
  /** Nesting of fields, `{ a { b } }` is 2. */
  maxDepth: number;
  /** The same for `__schema`/`__type` subtrees: the standard introspection query nests `ofType` deeply, in memory only. */
  maxIntrospectionDepth: number;
  /** Field selections in the whole document, fragments expanded (bounds fragment fan-out). */
  maxFields: number;
  /** Rows a document may ask for: the sum of `limit`/`first` over list fields, nested ones multiplied by their parents'. */
  maxRows: number;
  /** Rows counted for a list or connection field given no `limit`/`first`. */
  defaultListRows: number;
  /** A larger `offset` makes Postgres read and drop that many rows. */
  maxOffset: number;
  /** Nesting of an argument value (`where: { AND: [{ OR: [...] }] }`), each object or list one level. */
  maxInputDepth: number;
  /** Operations in one document. */
  maxOperations: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxAliases: 20,
  maxDepth: 8,
  maxIntrospectionDepth: 16,
  maxFields: 500,
  maxRows: 10_000,
  defaultListRows: 100,
  maxOffset: 100_000,
  maxInputDepth: 10,
  maxOperations: 5,
};

/** A refusal: the message names the argument or the limit, and is safe to show to anyone. */
export class QueryRefused extends Error {
  constructor(
    message: string,
    readonly code: "BAD_USER_INPUT" | "QUERY_TOO_COMPLEX",
  ) {
    super(message);
  }
}

const ROW_ARGUMENTS = ["limit", "first"] as const;
const NON_NEGATIVE_ARGUMENTS = ["limit", "offset", "first"] as const;

/**
 * Throws QueryRefused if `document` is over `limits`. Types come from `schema` where it knows
 * the field; unknown fields are left for the server's own validation to refuse.
 */
export function checkQueryLimits(
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  schema: GraphQLSchema,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): void {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  if (operations.length > limits.maxOperations) {
    throw new QueryRefused(
      `the document has ${operations.length} operations, more than the limit of ${limits.maxOperations}`,
      "QUERY_TOO_COMPLEX",
    );
  }
  // Counted over all operations: cheap, and no trust in which one operationName picks.
  const totals = { aliases: 0, fields: 0, rows: 0 };
  for (const operation of operations) {
    const defaults = new Map<string, ValueNode>();
    for (const d of operation.variableDefinitions ?? [])
      if (d.defaultValue) defaults.set(d.variable.name.value, d.defaultValue);
    const variable = (name: string): unknown =>
      variables && name in variables ? variables[name] : literal(defaults.get(name), variable);
    const root =
      operation.operation === "query"
        ? schema.getQueryType()
        : operation.operation === "mutation"
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    walk(operation.selectionSet, root ?? undefined, 0, 1, false, []);

    function walk(
      set: SelectionSetNode,
      parent: GraphQLNamedType | undefined,
      depth: number,
      multiplier: number,
      introspection: boolean,
      spreading: string[],
    ): void {
      for (const selection of set.selections) {
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          walk(selection.selectionSet, type ?? undefined, depth, multiplier, introspection, spreading);
          continue;
        }
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const name = selection.name.value;
          if (spreading.includes(name)) {
            throw new QueryRefused(`fragment "${name}" spreads itself`, "BAD_USER_INPUT");
          }
          const fragment = fragments.get(name);
          if (!fragment) continue; // the server's validation names it
          const type = schema.getType(fragment.typeCondition.name.value) ?? undefined;
          walk(fragment.selectionSet, type, depth, multiplier, introspection, [...spreading, name]);
          continue;
        }
        const name = selection.name.value;
        if (++totals.fields > limits.maxFields) {
          throw new QueryRefused(`the query selects more than ${limits.maxFields} fields`, "QUERY_TOO_COMPLEX");
        }
        if (selection.alias && selection.alias.value !== name && ++totals.aliases > limits.maxAliases) {
          throw new QueryRefused(`the query uses more than ${limits.maxAliases} aliases`, "QUERY_TOO_COMPLEX");
        }
        const inIntrospection = introspection || name === "__schema" || name === "__type";
        const fieldDepth = depth + 1;
        const maxDepth = inIntrospection ? limits.maxIntrospectionDepth : limits.maxDepth;
        if (fieldDepth > maxDepth) {
          throw new QueryRefused(
            `the query nests fields ${fieldDepth} deep, more than the limit of ${maxDepth}`,
            "QUERY_TOO_COMPLEX",
          );
        }

        const args = new Map<string, unknown>();
        for (const arg of selection.arguments ?? []) {
          checkInputDepth(arg.value, variable, limits.maxInputDepth, `"${arg.name.value}" of ${name}`);
          args.set(arg.name.value, literal(arg.value, variable));
        }
        for (const argument of NON_NEGATIVE_ARGUMENTS) {
          const value = args.get(argument);
          if (typeof value === "number" && value < 0) {
            throw new QueryRefused(`"${argument}" of ${name} must not be negative (got ${value})`, "BAD_USER_INPUT");
          }
        }
        const offset = args.get("offset");
        if (typeof offset === "number" && offset > limits.maxOffset) {
          throw new QueryRefused(
            `"offset" of ${name} is ${offset}, more than the limit of ${limits.maxOffset} (page with a where on id or seq instead)`,
            "QUERY_TOO_COMPLEX",
          );
        }

        const field = fieldOf(parent, name);
        let rows = 1;
        // Entity lists (`limit`) and connections (`first`) are what become SQL queries with rows.
        const rowArgument = field && ROW_ARGUMENTS.find((a) => field.args.some((x) => x.name === a));
        if (rowArgument) {
          const given = args.get(rowArgument);
          rows = typeof given === "number" ? given : limits.defaultListRows;
          totals.rows += multiplier * rows;
          if (totals.rows > limits.maxRows) {
            throw new QueryRefused(
              `the query may return ${totals.rows} rows, more than the limit of ${limits.maxRows} (the sum of "limit"/"first" over list fields, nested lists multiplied by their parents')`,
              "QUERY_TOO_COMPLEX",
            );
          }
        }
        if (selection.selectionSet) {
          const type = field ? getNamedType(field.type) : undefined;
          walk(
            selection.selectionSet,
            type && isCompositeType(type) ? type : undefined,
            fieldDepth,
            multiplier * rows,
            inIntrospection,
            spreading,
          );
        }
      }
    }
  }
}

function fieldOf(parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return undefined;
  return parent.getFields()[name];
}

/** A literal's JavaScript value (variables resolved); undefined where unknown. */
function literal(value: ValueNode | undefined, variable: (name: string) => unknown): unknown {
  if (!value) return undefined;
  switch (value.kind) {
    case Kind.INT:
    case Kind.FLOAT:
      return Number(value.value);
    case Kind.STRING:
    case Kind.ENUM:
      return value.value;
    case Kind.BOOLEAN:
      return value.value;
    case Kind.VARIABLE:
      return variable(value.name.value);
    default:
      return undefined;
  }
}

function checkInputDepth(
  value: ValueNode,
  variable: (name: string) => unknown,
  max: number,
  where: string,
  depth = 0,
): void {
  const refuse = () => {
    throw new QueryRefused(`${where} nests more than ${max} levels of objects and lists`, "QUERY_TOO_COMPLEX");
  };
  if (value.kind === Kind.VARIABLE) {
    if (jsonDepth(variable(value.name.value), max - depth) > max - depth) refuse();
    return;
  }
  if (value.kind !== Kind.OBJECT && value.kind !== Kind.LIST) return;
  if (depth + 1 > max) refuse();
  const children = value.kind === Kind.OBJECT ? value.fields.map((f) => f.value) : value.values;
  for (const child of children) checkInputDepth(child, variable, max, where, depth + 1);
}

/** Depth of a JSON value, counting stops once past `max`. */
function jsonDepth(value: unknown, max: number): number {
  if (value === null || typeof value !== "object") return 0;
  if (max < 0) return 1;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, jsonDepth(child, max - 1));
  return deepest + 1;
}
