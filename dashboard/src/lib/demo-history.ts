/** Where a demo history case's generated summary is (scripts/demo-history/; no case object holds such a case). */
export const historyPath = (workflow: string, caseKey: string): string =>
  `/demo-history/${encodeURIComponent(workflow)}/${encodeURIComponent(caseKey)}`;
