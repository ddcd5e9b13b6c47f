ALTER TABLE fund_stakeposition ADD CONSTRAINT stake_position_locked_within_shares
    CHECK (locked_shares >= 0 AND locked_shares <= shares);
--- reverse:
ALTER TABLE fund_stakeposition DROP CONSTRAINT stake_position_locked_within_shares;
