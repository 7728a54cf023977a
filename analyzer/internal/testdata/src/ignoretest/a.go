package ignoretest

func bad() {}

func cases() {
	bad() // want `call of bad`

	bad() //txvet:ignore flagbad the call is reviewed

	//txvet:ignore flagbad reviewed: the line above counts too
	bad()

	//txvet:ignore flagbad one directive silences one finding
	bad()
	bad() // want `call of bad`

	/* want `txvet:ignore directive for flagbad needs a reason` */ //txvet:ignore flagbad
	bad()                                                          // want `call of bad`

	//txvet:ignore flagbad nothing to silence here // want `txvet:ignore directive for flagbad silences no finding`
	_ = 1

	//txvet:ignore otheranalyzer not ours, so neither used nor reported
	bad() // want `call of bad`

	//txvet:ignorex flagbad not a directive
	bad() // want `call of bad`
}
