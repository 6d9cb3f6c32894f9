// TypeScript types generated from the served document (openapi-typescript)
// describe a profile, a search page and the grouped credit history; `tsc
// --strict` type-checks this file against them (it is never run).
import type { components, paths } from "./api";

type Schemas = components["schemas"];
type Json<P extends keyof paths, M extends "get"> = paths[P][M] extends {
  responses: { 200: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;

type ProfileAnswer = Json<"/api/v1/users/profile/username/{username}", "get">;
type SearchAnswer = Json<"/api/v2/users/search", "get">;
type GroupedAnswer = Json<"/api/v1/users/me/transactions/grouped", "get">;

export function profileLine(answer: ProfileAnswer): string {
  const user = answer.data;
  const followers: number = user.followersCount;
  return `${user.username} (${followers} followers)`;
}

export function searchNames(answer: SearchAnswer): string[] {
  return answer.data.items.map((user) => user.username);
}

export function groupedLines(answer: GroupedAnswer): string[] {
  return answer.data.items.map((entry: Schemas["GroupedEntry"]) => {
    switch (entry.type) {
      case "stream": {
        const group: Schemas["StreamGroup"] = entry;
        return `${group.streamId}: ${group.count} records, ${group.totalAmount} credits`;
      }
      case "transaction": {
        const single: Schemas["SingleTransaction"] = entry;
        return `${single.transaction.type}: ${single.transaction.amount}`;
      }
    }
  });
}
