"""Her mailbox: a reply code, keys derived from it, the NGO's sealed answers and her own."""
