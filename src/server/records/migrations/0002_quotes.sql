-- The clauses of each version as its decisions quote them (by id: section and text), so that a
-- decision is stored without the texts it quotes and read back whole.
ALTER TABLE policy_texts ADD COLUMN quotes TEXT;
