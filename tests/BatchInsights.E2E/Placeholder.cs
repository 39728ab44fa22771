namespace BatchInsights.E2E;
