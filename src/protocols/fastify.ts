import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";

/** The Fastify instance every protocol registers on: TypeBox schemas give types and validation. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * A configured path as a Fastify route that matches it literally. Fastify reads ":x" as a
 * parameter; Vertex AI routes such as "/v1/endpoints/1:predict" contain real colons ("::").
 */
export function literalRoute(path: string): string {
  return path.replaceAll(":", "::");
}
